# Az ügyeleti csatornába küldött napi és heti összesítők.

digest-head-daily = 📊 Napi összesítő: { $day }
digest-head-weekly = 📊 Heti összesítő: { $from } – { $to }
digest-late = (Késve küldve: { $due } időpontra volt esedékes, amikor a bot nem futott.)
digest-volume = Jegyek: { $opened } új, { $closed } lezárt, { $reopened } újranyitott.
digest-breaches = SLA-mulasztások: { $breaches } (ebből { $first } az első válasznál).
digest-response = Válaszadási arány: { $rate } ({ $total } első válaszból { $hits } határidőn belül; cél: { $goal }).
digest-response-none = Válaszadási arány: még egy első válasznak sem járt le a határideje.
digest-csat = Elégedettség: { $closed } lezárt jegyre { $responses } értékelés érkezett, átlagosan { $average } az 5-ből.
digest-csat-none = Elégedettség: a { $closed } lezárt jegyre nem érkezett értékelés.
digest-priorities = Új jegyek prioritás szerint: P1 { $p1 } · P2 { $p2 } · P3 { $p3 } · P4 { $p4 }
digest-oldest-head = A legrégebben nyitott jegyek:
digest-oldest-row = • { $id } [{ $priority }] { $subject }: { $status }, { $age } ideje nyitva
digest-oldest-none = Nincs nyitott jegy.
digest-chart = Új jegyek prioritás szerint, balról jobbra: P1, P2, P3 és P4.
