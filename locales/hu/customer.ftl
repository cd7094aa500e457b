# Amit az ügyfelek olvasnak: köszöntés, GYIK-válaszok, jegyek, elégedettségi kérdés.

welcome = Üdvözlöm! Én vagyok az ügyfélszolgálati bot. Kérdezzen bátran: ha a súgócikkeinkben megtalálom a választ, azonnal megírom, ha nem, továbbadom egy kollégának.
help-header = Parancsok:
help-line = { $usage }: { $desc }
help-footer = Vagy egyszerűen írja meg a kérdését.
help-lang = Válasszon nyelvet:
staff-only = Sajnálom, ez a parancs csak az ügyfélszolgálat munkatársainak érhető el. A /help paranccsal megnézheti, mit tehet.
internal-error = Elnézést, hiba történt nálunk, ezért az üzenetét nem tudtuk feldolgozni. Kérjük, próbálja újra egy perc múlva.
ticket-opened = Megnyitottam Önnek a(z) { $id } számú jegyet. Egy munkatársunk itt fog válaszolni; { $expectation }. További részleteket vagy képernyőképet bármikor küldhet ide.
out-of-support = Felhívjuk figyelmét, hogy nyilvántartásunk szerint a támogatási időszaka { $until } napon lejárt. A kérését így is rögzítettük, és hamarosan megkeressük a megújítással kapcsolatban.
already-open = Már van nyitott jegye: { $id } ({ $status }). Írjon ide nyugodtan, az üzenete egyenesen a munkatársunkhoz kerül.
status-line = { $id } jegy – „{ $subject }”: { $status } ({ $who }), prioritás: { $priority }.
status-who-agent = { $agent } foglalkozik vele
status-who-nobody = munkatársra vár
no-open-ticket = Jelenleg nincs nyitott jegye. Írja meg a kérdését, és segítek, vagy a /ticket paranccsal kérhet munkatársat.
cstatus-new = új
cstatus-open = folyamatban
cstatus-pending = az Ön válaszára vár
cstatus-on-hold = felfüggesztve
cstatus-solved = megoldva
cstatus-closed = lezárva
closed-for-customer = A(z) { $id } jegyet lezártuk ({ $reason }). Köszönjük, hogy megkereste ügyfélszolgálatunkat! Mennyire elégedett a kapott segítséggel? Válasszon 1-től (rossz) 5-ig (kiváló).
closed-by-you = az Ön kérésére
csat-thanks = Köszönjük az értékelést ({ $score }/5)! Ha szeretne megjegyzést fűzni hozzá, írja meg a következő üzenetében.
csat-comment-thanks = Köszönjük, a megjegyzését hozzáadtuk az értékeléshez. Ha segítség kell, írjon bármikor.
reopened-for-customer = A(z) { $id } jegyet újranyitottuk. Ha szeretne még valamit hozzátenni, írjon ide.
claimed-for-customer = { $agent } munkatársunk foglalkozik a(z) { $id } jegyével.
agent-said = { $agent } (ügyfélszolgálat): { $text }
registered = Köszönjük! A licence a következőhöz kapcsolódik: { $account }; a támogatás { $until } napig érvényes.
registered-no-date = Köszönjük! A licence a következőhöz kapcsolódik: { $account }.
unknown-license = Nem találom ezt a licenckulcsot. Kérjük, ellenőrizze (a vásárláskor kapott e-mailben szerepel), és próbálja újra, vagy egyszerűen írja meg a kérdését, és egy munkatársunk segít.
btn-yes-helped = Igen, ez segített
btn-no-person = Nem, munkatársat kérek
btn-open-ticket = Jegy nyitása
faq-did-this-help = Segített ez?
faq-suggest-header = Ezek a cikkek segíthetnek:
faq-suggest-footer = Segített valamelyik?
faq-unavailable = A súgócikkek most nem érhetők el.
faq-nothing-found = Nem találtam erről cikket. Írja meg ide a kérdését, és egy munkatársunk segít.
button-expired = Ez a gomb már nem érvényes. Kérjük, írja meg újra a kérdését.
faq-not-yours = Ezt a kérdést valaki más tette fel.
faq-already-answered = Erre már válaszolt. Köszönjük!
faq-glad-short = Örülök, hogy segített!
faq-glad = Nagyszerű, örülök, hogy segített! Ha újabb kérdése van, írjon bármikor.
csat-not-yours = Csak a jegy nyitója értékelheti a jegyet.
csat-reopened = Ez a jegy újra nyitva van; lezárás után értékelheti.
panel-prompt = Írja meg, miben segíthetek: tegye fel ide a kérdését (vagy ha úgy kényelmesebb, privát üzenetben).
ticket-default-subject = Segítségkérés (még leírás nélkül)
feedback-added = Hozzáadtam a nyitott jegyéhez ({ $id }); a csapat ott látja.
smalltalk-greeting = Üdvözlöm! Én vagyok az ügyfélszolgálati bot. Írja le egy-két mondatban a kérdését, és megkeresem a választ, vagy továbbadom egy munkatársnak. A /help megmutatja, mit tudok.
smalltalk-thanks = Szívesen! Ha újra segítség kell, írjon bármikor.
smalltalk-ack = Rendben. Ha kérdése van, csak írja ide; a /help megmutatja, mit tudok.
lang-set = Mostantól magyarul válaszolok.
lang-usage = Válasszon nyelvet: /lang en (English), /lang zh (中文) vagy /lang hu (magyar).
promise-fallback = általában egy munkanapon belül válaszolunk
promise-business = az első válaszra { $span } munkaidőn belül számíthat, legkésőbb { $due } ({ $zone })
promise-always = az első válaszra { $span } belül számíthat, legkésőbb { $due } ({ $zone })
message-too-long = Az üzenete { $chars } karakter hosszú, több, mint az általam fogadható { $max }. Kérjük, ossza fel rövidebb üzenetekre, vagy küldje el a szöveget fájlként.
faq-too-long = Kérjük, a /faq kérdés legyen rövidebb { $max } karakternél. Hosszabb kérdést írjon ide közvetlenül, és válaszolok, vagy továbbítom egy munkatársnak.
note-too-long = Ez a megjegyzés { $chars } karakter hosszú; egy megjegyzés legfeljebb { $max } karakter lehet. Kérjük, ossza fel több /note parancsra.
too-many-attachments = A(z) { $id } jegyhez már { $max } fájl tartozik, ennél többet egy jegy nem tárolhat. A további fájlokat kérjük, linkként ossza meg.
customer-command-in-staff-space = Ez a parancs az ügyfeleknek szól, a velem folytatott saját beszélgetésükben. Itt a /help paranccsal nézheti meg a munkatársi parancsokat.
edit-not-relayed = Látom, hogy szerkesztett egy üzenetet. Én csak az új üzenetekre reagálok, ezért ha még segítség kell, kérjük, küldje el a javított szöveget új üzenetként.
edit-of-command = A szerkesztett parancsokat nem hajtom végre újra. Kérjük, küldje el a parancsot új üzenetként.
edited-by-agent = ✏️ { $agent } (ügyfélszolgálat) szerkesztett egy üzenetet: { $text }
edited-by-agent-empty = ✏️ { $agent } (ügyfélszolgálat) szerkesztett egy üzenetet (az új változatban nincs szöveg).
cannot-relay-to-support = Elnézést, { $kind ->
        [sticker] matricát
        [location] helymeghatározást
        [contact] névjegyet
        [poll] szavazást
        [dice] animált emojit
        [game] játékot
        [story] történetet
       *[other] ilyen üzenetet
    } nem tudok továbbítani az ügyfélszolgálatnak. Kérjük, írja le szavakkal, vagy küldjön fényképet vagy fájlt.
already-rated = A(z) { $id } jegyet már értékelte ({ $score }/5); csak az első értékelés számít. Köszönjük!
slow-down = Gyorsabban küldi az üzeneteket, mint ahogy fel tudom dolgozni őket (legfeljebb percenként { $n }). Kérjük, várjon egy kicsit; az ezután küldött üzeneteit elolvasom.
moved-to-thread = Köszönöm! A beszélgetést áthelyeztem egy privát szálba: { $thread }
customer-thread-title = Ügyfélszolgálat: { $name }
attachment-link = Csatolmány: { $name }
attachment-elsewhere = 📎 { $name } (a(z) { $platform } felületen küldött fájl, a jegyben megőrizve)
empty-message = (üres üzenet)
surveys-off = Nem küldünk Önnek több elégedettségi kérdőívet. Ha mégis kérne, küldje el: /start surveys
surveys-on = Az elégedettségi kérdőívek újra bekapcsolva: egy jegy lezárása után értékelheti a kapott segítséget.
closed-for-customer-no-survey = A(z) { $id } jegyet lezártuk ({ $reason }). Köszönjük, hogy megkereste ügyfélszolgálatunkat!
quarterly-survey = Mennyire volt elégedett ügyfélszolgálatunkkal a { $quarter }ben? Válasszon 1-től (rossz) 5-ig (kiváló), utána megjegyzést is írhat. Ha nem kér több kérdőívet, küldje el: /stop surveys
quarterly-already-rated = Erre a negyedévre már adott értékelést: { $score }/5. Köszönjük!
quarter-name = { $year }. { $q }. negyedév
