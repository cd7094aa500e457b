# A webes irányítópult: oldalak, űrlapok és üzeneteik.
web-forbidden-role = Ez az oldal vagy művelet a(z) { $role } szerepkörtől felfelé érhető el; a te szerepköröd nem tartalmazza.
web-bad-csrf = Az űrlapból hiányzik a biztonsági token, vagy nem a mostani munkamenetedből származik; semmi sem történt. Töltsd újra az oldalt, és próbáld újra.
web-signed-out = Nem vagy bejelentkezve. Írd be a /dashboard parancsot a munkatársi csevegőben: a bot privátban küld egy egyszer használható belépési linket.
web-link-invalid = Ez a belépési link érvénytelen (csonka, módosított, vagy olyasvalakié, aki már nincs a munkatársak listáján). Új linkért írd be a /dashboard parancsot a munkatársi csevegőben.
web-link-expired = Ez a belépési link lejárt. Új linkért írd be a /dashboard parancsot a munkatársi csevegőben.
web-link-used = Ezt a belépési linket már felhasználták; minden link csak egyszer jelentkeztet be. Új linkért írd be a /dashboard parancsot a munkatársi csevegőben.
web-sign-in-as = Bejelentkezel az irányítópultra { $name } néven ({ $platform })?
web-sign-in = Bejelentkezés
web-signed-out-title = Kijelentkezve
web-signed-out-done = Kijelentkeztél. Újra belépni a /dashboard paranccsal tudsz a munkatársi csevegőben.
web-nav-queue = Sor
web-nav-reports = Jelentések
web-nav-faq = GYIK
web-unanswered-title = Kérdések, amelyekre a tudásbázis nem tudott válaszolni
web-none-yet = Eddig egy sem.
web-col-count = Hányszor
web-col-question = Kérdés
web-col-examples = Más megfogalmazásban
web-col-last-seen = Utoljára
web-proposals-title = Javasolt megfogalmazások
web-edit-hint = Átírt megfogalmazás (üresen hagyva változatlanul fogadod el)
web-act-accept = Elfogadom
web-act-reject = Elutasítom
web-sign-out = Kijelentkezés
web-problem-title = Nem lehetséges
web-store-down = Az adatbázis most nem érhető el, ezért semmi sem történt. Próbáld újra egy kicsit később.
web-late = { $span } késés
web-left = { $span } van hátra
web-bad-filter = Ismeretlen { $what } a szűrőben: "{ $value }".
web-col-status = Állapot
web-col-priority = Prioritás
web-col-tier = Csomag
web-col-platform = Platform
web-col-agent = Munkatárs
web-col-subject = Tárgy
web-col-deadline = Következő határidő
web-col-kind = Típus
web-col-customer = Ügyfél
web-col-lang = Nyelv
web-col-opened = Megnyitva
web-any = mind
web-filter = Mutasd
web-queue-title = Sor
web-no-such-ticket = Nincs { $id } számú jegy.
web-sla-title = Határidők
web-transcript-title = Beszélgetés
web-events-title = Előzmények
web-file = fájl
web-no-such-file = Nincs ilyen fájl ebben a jegyben.
web-file-failed = A(z) { $platform } nem adta ki a fájlt (lehet, hogy túl nagy, vagy már nincs meg); próbáld később, vagy nyisd meg ott.
web-file-on-platform = (a(z) { $platform } őrzi; ott, a munkatársi térben nyitható meg)
web-system = a bot
web-event =
    { $kind ->
        [created] megnyitva
        [claimed] átvéve
        [unclaimed] visszaadva
        [assigned] kiosztva
        [priority_changed] prioritás módosítva
        [tier_changed] csomag módosítva
        [status_changed] állapot módosítva
        [agent_replied] munkatárs válaszolt
        [customer_replied] ügyfél írt
        [note_added] megjegyzés hozzáadva
        [closed] lezárva
        [reopened] újranyitva
        [fixed] javítottnak jelölve
        [incident_start] üzemzavarnak jelölve
       *[other] { $kind }
    }
web-actions-title = Műveletek
web-act-claim = Átveszem
web-act-unclaim = Visszaadom
web-act-assign = Kiosztás
web-act-priority = Prioritás beállítása
web-act-reply = Válasz küldése az ügyfélnek
web-act-note = Belső megjegyzés hozzáadása
web-act-close = Lezárás
web-act-reopen = Újranyitás
web-reply-hint = Válasz az ügyfélnek (a csevegőalkalmazásán keresztül megy)
web-note-hint = Belső megjegyzés (az ügyfél sosem látja)
web-close-hint = A lezárás oka
web-need-agent = Válaszd ki, kinek osztod ki a jegyet.
web-need-priority = Válassz prioritást (P1–P4).
web-need-reply = Előbb írd meg a választ; semmi sem ment el.
web-need-note = Előbb írd meg a megjegyzést; semmi sem került be.
web-need-reason = Add meg a lezárás okát; a jegy nyitva marad.
web-unknown-action = Az irányítópulton nincs "{ $action }" művelet; semmi sem történt.
web-already-done = Ezt az űrlapot már egyszer elküldték, ezért nem hajtottam végre újra.
web-done = Kész.
web-reply-mirror = { $agent } az irányítópultról válaszolt: { $text }
web-note-mirror = { $agent } belső megjegyzést írt az irányítópultról: { $text }
web-report-failed = A jelentés most nem készíthető el (az adatbázis nem válaszolt); próbáld újra egy kicsit később.
web-from = Ettől
web-to = Eddig
web-month = SLA hónap
web-kpi-title = KPI-k
web-sla-report-title = SLA-teljesítés, { $month }
