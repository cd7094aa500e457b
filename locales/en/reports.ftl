# Digests posted to the staff lobby.

digest-head-daily = 📊 Daily digest for { $day }
digest-head-weekly = 📊 Weekly digest for { $from } – { $to }
digest-late = (Posted late: it was due { $due }, when the bot was not running.)
digest-volume = Tickets: { $opened } opened, { $closed } closed, { $reopened } reopened.
digest-breaches = SLA breaches: { $breaches } ({ $first } of them first responses).
digest-response = Response rate: { $rate } ({ $hits } of { $total } first responses within target; goal { $goal }).
digest-response-none = Response rate: no first response was due yet.
digest-csat = Satisfaction: { $responses ->
    [one] 1 rating
   *[other] { $responses } ratings
 } from { $closed } closed tickets, average { $average } of 5.
digest-csat-none = Satisfaction: no ratings from { $closed } closed tickets.
digest-priorities = Opened per priority: P1 { $p1 } · P2 { $p2 } · P3 { $p3 } · P4 { $p4 }
digest-oldest-head = Oldest open tickets:
digest-oldest-row = • { $id } [{ $priority }] { $subject }: { $status }, open for { $age }
digest-oldest-none = No tickets are open.
digest-chart = Tickets opened per priority: P1, P2, P3 and P4 from left to right.
