# Deadlines: /sla explanations, queue rows, SLA warnings; durations.

dur-days-short = { $n } d
dur-hours-short = { $n } h
dur-minutes-short = { $n } min
dur-days = { $n ->
    [one] { $n } day
   *[other] { $n } days
}
dur-hours = { $n ->
    [one] { $n } hour
   *[other] { $n } hours
}
dur-minutes = { $n ->
    [one] { $n } minute
   *[other] { $n } minutes
}
clock-first-response = first response
clock-next-response = next response
clock-resolution = resolution
clock-running = running
clock-paused = paused
clock-met = met
clock-breached = breached
sla-none = Ticket { $id }: no SLA targets apply (tier { $tier }, { $priority }).
sla-head = SLA for ticket { $id } ({ $tier } { $priority }, { $status }):
sla-clock = • { $clock }: { $status }, target { $target } on the { $calendar } calendar, started { $start }, counted { $elapsed }
sla-due-in = due { $due } (in { $left })
sla-was-due = was due { $due }
sla-left = { $left } left
sla-stopped = stopped { $at }
sla-paused-range = paused ({ $reason }) { $from } → { $to }
sla-paused-since = paused ({ $reason }) since { $from }
sla-windows = counted windows:
sla-windows-earlier = … { $n } earlier
sla-cycles = { $n } next-response cycles so far, { $late } breached.
queue-row = { $id } [{ $priority }] { $subject } ({ $status }, { $who })
queue-breached = { $clock } BREACHED { $ago } ago
queue-due = { $clock } due in { $left }
sla-warning = ⏳ SLA warning ({ $label }): ticket { $id } [{ $priority }] { $clock } due { $due } (in { $left }). Assignee: { $who }
sla-breach = 🚨 SLA breached: ticket { $id } [{ $priority }] { $clock } was due { $due }. { $who }, please respond.
sla-escalation = 🚨 SLA escalation { $n }/{ $max }: ticket { $id } [{ $priority }] { $clock } overdue by { $ago } (assignee { $who }). { $leads }
sla-no-leads = No leads configured.
