# Amit a munkatársak látnak: új jegyek, visszaigazolások, sor, részletek.

not-staff-here = Itt csak a beállított ügyfélszolgálati munkatársak intézkedhetnek.
staff-help-header = Munkatársi parancsok (egy jegy szálában a jegyszám elhagyható; ott a sima szöveg válasz az ügyfélnek):
relay-from-customer = { $name } (ügyfél): { $text }
intro-head = Új jegy ({ $kind }): { $id }, beküldő: { $name } ({ $platform } { $user }, csomag: { $tier })
intro-head-oos = Új jegy ({ $kind }): { $id }, beküldő: { $name } ({ $platform } { $user }, csomag: { $tier }, LEJÁRT TÁMOGATÁS)
intro-subject = Tárgy: { $subject }
intro-lang = Az ügyfél nyelve: { $lang }
intro-faq = A bot ezt ajánlotta: „{ $title }” (megbízhatóság: { $confidence }); az ügyfél szerint nem segített.
faq-tried = A bot a(z) „{ $title }” cikkel ({ $article }) próbált válaszolni erre: „{ $query }”, megbízhatóság: { $confidence }; az ügyfél munkatársat kért.
faq-tried-none = A bot nem talált cikket erre: „{ $query }”; az ügyfél munkatársat kért.
feedback-label-bug = Hibajelentés
feedback-label-feature = Funkciókérés
feedback-label-question = Kérdés
kind-question = kérdés
kind-bug = hiba
kind-feature = funkciókérés
kind-incident = üzemzavar
lang-name-en = angol
lang-name-zh = kínai
lang-name-hu = magyar
status-new = új
status-open = nyitott
status-pending = ügyfélre vár
status-on-hold = felfüggesztve
status-solved = megoldva
status-closed = lezárva
btn-claim = Átveszem
claim-not-staff = Jegyet csak ügyfélszolgálati munkatárs vehet át.
claim-ack = Átvette a jegyet: { $id }.
claimed-short = Átvéve.
claimed-staff = { $agent } átvette a jegyet: { $id }.
unassigned-again = A jegy ({ $id }) ismét nincs senkihez rendelve.
no-such-agent = Nincs { $name } nevű munkatárs. Munkatársak: { $agents }.
assigned = A jegy ({ $id }) felelőse mostantól: { $agent }.
note-added = Belső megjegyzés hozzáadva a jegyhez ({ $id }); az ügyfél nem látja.
priority-changed = A jegy ({ $id }) prioritása mostantól { $priority }.
tier-changed = A jegy ({ $id }) csomagja mostantól: { $tier }.
now-pending = A jegy ({ $id }) az ügyfél válaszára vár.
now-on-hold = A jegy ({ $id }) felfüggesztve.
now-solved = A jegy ({ $id }) megoldva.
now-fixed = A jegy ({ $id }) hibája javítottként megjelölve.
now-incident = A(z) { $id } jegy üzemzavar, kezdete { $since } ({ $zone }): az ügyfél állásideje ettől a megoldásig számít.
now-incident-p1 = A(z) { $id } jegy üzemzavar, kezdete { $since } ({ $zone }), a prioritása mostantól P1: az ügyfél állásideje ettől a megoldásig számít.
report-lead-only = Jelentéseket csak vezetők és adminisztrátorok láthatnak.
report-unavailable = Ebben a telepítésben nincsenek jelentések.
report-sla-header = SLA-jelentés, { $month }: { $breaches } mulasztás, ebből { $first } az első válasznál.
report-sla-customer = • { $customer }: { $breaches } mulasztás, rendelkezésre állás { $availability } (vállalt: { $promise }), járó jóváírás: { $credit }
report-sla-none = { $month } hónapban nem volt sem mulasztás, sem üzemzavar.
report-credit-none = nincs
reopened-staff = A jegy ({ $id }) újranyitva.
panel-admin-only = Az ügyfélszolgálati panelt csak adminisztrátor teheti ki.
panel-text = Segítség kell? Tegye fel itt a kérdését, vagy nyisson jegyet, és egy munkatársunk válaszol.
panel-title = Ügyfélszolgálat
reply-sent = A válasz elment a jegy ({ $id }) ügyfelének.
close-needs-id = Itt a /close parancshoz jegyszám kell. Használat: { $usage }
close-needs-reason = A /close parancshoz indoklás kell. Használat: { $usage }
closed-confirm = A jegy ({ $id }) lezárva.
closed-staff = A jegy ({ $id }) lezárva: { $reason }
closed-by-customer = az ügyfél zárta le
queue-empty = A sor üres.
queue-mine-empty = Nincs nyitott jegye.
queue-header = Sor (a legközelebbi határidő elöl):
queue-mine-header = Az Ön jegyei:
queue-more = … és még { $n }
queue-capped = (Több mint { $n } jegy van nyitva; ezek a { $n } legrégebbi közül a legközelebbi határidejűek.)
unassigned = nincs felelős
nobody = senki
show-head = Jegy: { $id } [{ $priority }] { $subject }
show-status = Állapot: { $status }  Csomag: { $tier }  Típus: { $kind }  Felelős: { $assignee }
show-from = Beküldő: { $name } ({ $platform } { $user }), nyelv: { $lang }
show-tags = Címkék: { $tags }
show-earlier = … { $n } korábbi üzenet (az összeset a supportbot tickets show { $ticket } mutatja)
show-internal = [belső]
no-ticket = Nincs ilyen jegy: { $id }.
err-closed = A jegy ({ $id }) le van zárva.
err-not-closed = A jegy ({ $id }) nincs lezárva.
err-claimed-by-other = A jegyet ({ $id }) már átvette: { $agent }.
err-not-claimed-by-you = A jegyet ({ $id }) nem Ön vette át.
topic-now = A jegy most: { $title } ({ $state })
topic-open = nyitva
topic-closed = lezárva
triage-suggest = Javaslat: { $kind }, { $priority }. Koppintson az elfogadáshoz, vagy módosítsa a /priority paranccsal.
btn-accept-triage = Elfogadom: { $kind } { $priority }
triage-accepted = { $agent } elfogadta a javaslatot: { $kind }, { $priority }. Az SLA-célok mostantól a(z) { $priority } szerint számítanak.
triage-stale = Ez a javaslat már nem érvényes: a jegy azóta megváltozott.
err-already-claimed = A(z) { $id } jegyet már Ön vette át.
err-already-assigned = A(z) { $id } jegy már { $agent } munkatárshoz van rendelve.
err-already-priority = A(z) { $id } jegy prioritása már { $priority }.
err-already-tier = A(z) { $id } jegy már a(z) { $tier } csomagban van.
err-already-fixed = A(z) { $id } jegy hibája már javítottként van jelölve.
err-incident-future = { $since } ({ $zone }) még nem jött el: az üzemzavar kezdete csak múltbeli időpont lehet.
err-incident-too-early = { $since } ({ $zone }) több mint { $days } nappal a(z) { $id } jegy megnyitása előtti; ellenőrizze a dátumot.
err-already-status = A(z) { $id } jegy állapota már: { $status }.
edited-by-customer = ✏️ { $name } (ügyfél) szerkesztett egy üzenetet: { $text }
edited-by-customer-empty = ✏️ { $name } (ügyfél) szerkesztett egy üzenetet (az új változatban nincs szöveg).
edited-entry = ✏️ szerkesztve: { $text }
cannot-relay-to-customer = { $kind ->
        [sticker] Matricát
        [location] Helymeghatározást
        [contact] Névjegyet
        [poll] Szavazást
        [dice] Animált emojit
        [game] Játékot
        [story] Történetet
       *[other] Ilyen üzenetet
    } nem tudok továbbítani az ügyfélnek, ezért nem ment el. Kérjük, írja meg szövegként, vagy küldjön fényképet vagy fájlt.
customer-sent-unsupported = { $name } (ügyfél) { $kind ->
        [sticker] matricát
        [location] helymeghatározást
        [contact] névjegyet
        [poll] szavazást
        [dice] animált emojit
        [game] játékot
        [story] történetet
       *[other] olyan üzenetet
    } küldött, amit a bot nem tud továbbítani. Megkértük, hogy írja le szavakkal.

## A tanuló GYIK: /kb proposals, /kb accept, /kb reject, /close … kb:<id>
kb-lead-only = A GYIK-javaslatokat csak vezetők és adminok bírálhatják el.
kb-unavailable = A GYIK-javaslatokat itt nem lehet elbírálni: a botnak nincs írható tudástár-mappája.
kb-no-proposal = Nincs { $id } számú javaslat. A /kb proposals kilistázza a várakozókat a számukkal.
kb-already-decided = A(z) { $id } számú javaslat már { $status }.
kb-empty-phrasing = A javított megfogalmazás üres. Használat: { $usage }
kb-article-gone = A(z) { $article } cikk már nincs a tudástárban, így nem lehet hozzá semmit adni; utasítsd el a javaslatot.
kb-file-failed = A cikk fájlját nem sikerült frissíteni ({ $error }); semmi sem változott.
kb-proposals-none = Nincs várakozó megfogalmazás-javaslat.
kb-proposals-header = { $n ->
    [one] Egy megfogalmazás-javaslat vár:
   *[other] { $n } megfogalmazás-javaslat vár:
}
kb-proposal-line = #{ $id } → { $article }: „{ $phrasing }” ({ $source })
kb-proposals-footer = Elfogadás: /kb accept <szám> (vagy /kb accept <szám> <javított szöveg>), elutasítás: /kb reject <szám>.
kb-accepted = A(z) { $id } számú javaslat elfogadva: „{ $phrasing }” mostantól a(z) { $article } cikk egyik kérdése.
kb-rejected = A(z) { $id } számú javaslat elutasítva: „{ $phrasing }” többé nem lesz javasolva a(z) { $article } cikkhez.
proposal-status-proposed = függőben
proposal-status-accepted = elfogadva
proposal-status-rejected = elutasítva
proposal-source-confirmed = egy ügyfél szerint segített
proposal-source-closed = egy vele lezárt jegyből
close-unknown-article = Nincs „{ $article }” cikk. A cikk azonosítója a tudástár-mappában lévő fájlja elején álló id:; a /faq <kérdés> megmutatja az illeszkedő cikkeket, a supportbot kb search "<kérdés>" --json pedig kiírja az azonosítóikat.
closed-with-article = megválaszolta a(z) { $article } cikk
close-kb-proposed = A(z) { $article } cikk hozzárendelve: az ügyfél első üzenete új megfogalmazásként vár elbírálásra (/kb proposals).
close-kb-nothing-new = A(z) { $article } cikk hozzárendelve: az ügyfél első üzenete nem ad új megfogalmazást hozzá.
dashboard-link =
    Belépési linked az irányítópultra: csak neked szól, és { $minutes } percen belül egyszer használható:
    { $url }
dashboard-sent-privately = Privát üzenetben elküldtem a belépési linket az irányítópultra.
dashboard-off = Ezen a boton nem fut a webes irányítópult ([dashboard] enabled = false).
