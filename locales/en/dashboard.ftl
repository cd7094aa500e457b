# The web dashboard: pages, forms and their messages.
web-forbidden-role = This page or action is for the { $role } role and above; your role does not include it.
web-bad-csrf = This form is missing its security token or is not from your current session; nothing was done. Reload the page and try again.
web-signed-out = You are not signed in. Type /dashboard in the staff chat: the bot sends you a one-time sign-in link privately.
web-link-invalid = This sign-in link is not valid (cut short, changed, or for someone who is no longer on the staff list). Type /dashboard in the staff chat for a new one.
web-link-expired = This sign-in link has expired. Type /dashboard in the staff chat for a new one.
web-link-used = This sign-in link was already used; each link signs in once. Type /dashboard in the staff chat for a new one.
web-sign-in-as = Sign in to the dashboard as { $name } ({ $platform })?
web-sign-in = Sign in
web-signed-out-title = Signed out
web-signed-out-done = You are signed out. Type /dashboard in the staff chat to sign in again.
web-nav-queue = Queue
web-nav-reports = Reports
web-nav-faq = FAQ
web-unanswered-title = Questions the knowledge base could not answer
web-none-yet = None so far.
web-col-count = Asked
web-col-question = Question
web-col-examples = Also asked as
web-col-last-seen = Last asked
web-proposals-title = Proposed phrasings
web-edit-hint = Edited phrasing (leave empty to accept as is)
web-act-accept = Accept
web-act-reject = Reject
web-sign-out = Sign out
web-problem-title = Not possible
web-store-down = The database cannot be reached right now, so nothing was done. Try again in a moment.
web-late = { $span } late
web-left = { $span } left
web-bad-filter = Unknown { $what } "{ $value }" in the filter.
web-col-status = Status
web-col-priority = Priority
web-col-tier = Tier
web-col-platform = Platform
web-col-agent = Agent
web-col-subject = Subject
web-col-deadline = Next deadline
web-col-kind = Kind
web-col-customer = Customer
web-col-lang = Language
web-col-opened = Opened
web-any = any
web-filter = Show
web-queue-title = Queue
web-no-such-ticket = There is no ticket { $id }.
web-sla-title = Deadlines
web-transcript-title = Conversation
web-events-title = History
web-file = file
web-no-such-file = There is no such file in this ticket.
web-file-failed = { $platform } did not hand the file over (it may be too large or gone); try again later or open it there.
web-file-on-platform = (kept on { $platform }; open it in the staff space there)
web-system = the bot
web-event =
    { $kind ->
        [created] opened
        [claimed] claimed
        [unclaimed] unclaimed
        [assigned] assigned
        [priority_changed] priority changed
        [tier_changed] tier changed
        [status_changed] status changed
        [agent_replied] agent replied
        [customer_replied] customer wrote
        [note_added] note added
        [closed] closed
        [reopened] reopened
        [fixed] marked fixed
        [incident_start] marked an incident
       *[other] { $kind }
    }
web-actions-title = Actions
web-act-claim = Claim
web-act-unclaim = Unclaim
web-act-assign = Assign
web-act-priority = Set priority
web-act-reply = Send reply to the customer
web-act-note = Add internal note
web-act-close = Close
web-act-reopen = Reopen
web-reply-hint = Reply to the customer (sent through their chat app)
web-note-hint = Internal note (never shown to the customer)
web-close-hint = Reason for closing
web-need-agent = Choose the agent to assign the ticket to.
web-need-priority = Choose a priority (P1 to P4).
web-need-reply = Write the reply first; nothing was sent.
web-need-note = Write the note first; nothing was added.
web-need-reason = Give a reason for closing; the ticket stays open.
web-unknown-action = The dashboard has no action "{ $action }"; nothing was done.
web-already-done = That form was already sent once, so it was not carried out again.
web-done = Done.
web-reply-mirror = { $agent } replied from the dashboard: { $text }
web-note-mirror = { $agent } added an internal note from the dashboard: { $text }
web-report-failed = The report cannot be computed right now (the database did not answer); try again in a moment.
web-from = From
web-to = To
web-month = SLA month
web-kpi-title = KPIs
web-sla-report-title = SLA compliance, { $month }
