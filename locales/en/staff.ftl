# What agents read in the staff space: ticket intros, confirmations, queue, details.

not-staff-here = Only configured support agents can act here.
staff-help-header = Agent commands (inside a ticket's thread the id may be omitted; plain text there is a reply to the customer):
relay-from-customer = { $name } (customer): { $text }
intro-head = New { $kind } ticket { $id } from { $name } ({ $platform } { $user }, tier { $tier })
intro-head-oos = New { $kind } ticket { $id } from { $name } ({ $platform } { $user }, tier { $tier }, OUT OF SUPPORT)
intro-subject = Subject: { $subject }
intro-lang = Customer's language: { $lang }
intro-faq = The bot offered "{ $title }" (confidence { $confidence }); the customer said it did not help.
faq-tried = Bot tried to answer "{ $query }" with article "{ $title }" ({ $article }), confidence { $confidence }; the customer asked for a person.
faq-tried-none = Bot tried to answer "{ $query }" with no article; the customer asked for a person.
feedback-label-bug = Bug report
feedback-label-feature = Feature request
feedback-label-question = Question
kind-question = question
kind-bug = bug
kind-feature = feature
kind-incident = incident
lang-name-en = English
lang-name-zh = Chinese
lang-name-hu = Hungarian
status-new = new
status-open = open
status-pending = pending
status-on-hold = on hold
status-solved = solved
status-closed = closed
btn-claim = Claim
claim-not-staff = Only support agents can claim tickets.
claim-ack = You claimed ticket { $id }.
claimed-short = Claimed.
claimed-staff = { $agent } claimed ticket { $id }.
unassigned-again = Ticket { $id } is unassigned again.
no-such-agent = There is no agent named { $name }. Agents: { $agents }.
assigned = Ticket { $id } is now assigned to { $agent }.
note-added = Internal note added to ticket { $id } (the customer does not see it).
priority-changed = Ticket { $id } is now { $priority }.
tier-changed = Ticket { $id } is now on the { $tier } tier.
now-pending = Ticket { $id } is waiting on the customer.
now-on-hold = Ticket { $id } is on hold.
now-solved = Ticket { $id } is solved.
now-fixed = Ticket { $id }: the bug is marked fixed.
now-incident = Ticket { $id } is an incident since { $since } ({ $zone }): the customer's downtime counts from then until it is resolved.
now-incident-p1 = Ticket { $id } is an incident since { $since } ({ $zone }), now at P1: the customer's downtime counts from then until it is resolved.
report-lead-only = Only leads and admins can see reports.
report-unavailable = Reports are not available in this setup.
report-sla-header = SLA report { $month }: { $breaches ->
    [one] 1 breach
   *[other] { $breaches } breaches
 }, { $first } of them first responses.
report-sla-customer = • { $customer }: { $breaches ->
    [one] 1 breach
   *[other] { $breaches } breaches
 }, availability { $availability } (promised { $promise }), credit owed: { $credit }
report-sla-none = No breaches and no incidents in { $month }.
report-credit-none = none
reopened-staff = Ticket { $id } reopened.
panel-admin-only = Only admins can post the support panel.
panel-text = Need help? Ask your question here, or open a ticket to talk to a person.
panel-title = Support
reply-sent = Reply sent to the customer of ticket { $id }.
close-needs-id = /close needs a ticket number here. Usage: { $usage }
close-needs-reason = /close needs a reason. Usage: { $usage }
closed-confirm = Ticket { $id } closed.
closed-staff = Ticket { $id } closed: { $reason }
closed-by-customer = closed by the customer
queue-empty = The queue is empty.
queue-mine-empty = You have no open tickets.
queue-header = Queue (nearest deadline first):
queue-mine-header = Your tickets:
queue-more = … and { $n } more
queue-capped = (More than { $n } tickets are open; these are the nearest deadlines among the { $n } oldest.)
unassigned = unassigned
nobody = nobody
show-head = Ticket { $id } [{ $priority }] { $subject }
show-status = Status: { $status }  Tier: { $tier }  Kind: { $kind }  Assignee: { $assignee }
show-from = From: { $name } ({ $platform } { $user }), language: { $lang }
show-tags = Tags: { $tags }
show-earlier = … { $n } earlier messages (supportbot tickets show { $ticket } for all)
show-internal = [internal]
no-ticket = There is no ticket { $id }.
err-closed = Ticket { $id } is closed.
err-not-closed = Ticket { $id } is not closed.
err-claimed-by-other = Ticket { $id } is already claimed by { $agent }.
err-not-claimed-by-you = Ticket { $id } is not claimed by you.
topic-now = Ticket is now: { $title } ({ $state })
topic-open = open
topic-closed = closed
triage-suggest = Suggested: { $kind }, { $priority }. Tap to accept, or change it with /priority.
btn-accept-triage = Accept: { $kind } { $priority }
triage-accepted = { $agent } accepted the suggestion: { $kind }, { $priority }. SLA targets now follow { $priority }.
triage-stale = This suggestion no longer applies: the ticket changed since.
err-already-claimed = You have already claimed ticket { $id }.
err-already-assigned = Ticket { $id } is already assigned to { $agent }.
err-already-priority = Ticket { $id } is already { $priority }.
err-already-tier = Ticket { $id } is already on the { $tier } tier.
err-already-fixed = The bug of ticket { $id } is already marked fixed.
err-incident-future = { $since } ({ $zone }) has not come yet: an incident's start must be in the past.
err-incident-too-early = { $since } ({ $zone }) is more than { $days } days before ticket { $id } was opened; check the date.
err-already-status = Ticket { $id } is already { $status }.
edited-by-customer = ✏️ { $name } (customer) edited a message: { $text }
edited-by-customer-empty = ✏️ { $name } (customer) edited a message (the new version has no text).
edited-entry = ✏️ edited: { $text }
cannot-relay-to-customer = I can't pass on { $kind ->
        [sticker] a sticker
        [location] a location
        [contact] a contact
        [poll] a poll
        [dice] an animated emoji
        [game] a game
        [story] a story
       *[other] this kind of message
    } to the customer; it was not sent. Please write it as text, or send a photo or a file.
customer-sent-unsupported = { $name } (customer) sent { $kind ->
        [sticker] a sticker
        [location] a location
        [contact] a contact
        [poll] a poll
        [dice] an animated emoji
        [game] a game
        [story] a story
       *[other] a kind of message
    } that the bot cannot relay. They were asked to describe it in words.

## The FAQ that learns: /kb proposals, /kb accept, /kb reject, /close … kb:<id>
kb-lead-only = Only leads and admins review FAQ proposals.
kb-unavailable = FAQ proposals cannot be reviewed here: the bot has no knowledge-base folder to write to.
kb-no-proposal = There is no proposal { $id }. /kb proposals lists the waiting ones with their numbers.
kb-already-decided = Proposal { $id } is already { $status }.
kb-empty-phrasing = The edited phrasing is empty. Usage: { $usage }
kb-article-gone = Article { $article } is no longer in the knowledge base, so nothing can be added to it; reject the proposal.
kb-file-failed = The article file could not be updated ({ $error }); nothing was changed.
kb-proposals-none = No proposed phrasings are waiting.
kb-proposals-header = { $n ->
    [one] One proposed phrasing is waiting:
   *[other] { $n } proposed phrasings are waiting:
}
kb-proposal-line = #{ $id } → { $article }: “{ $phrasing }” ({ $source })
kb-proposals-footer = Accept with /kb accept <n> (or /kb accept <n> <edited text>), reject with /kb reject <n>.
kb-accepted = Proposal { $id } accepted: “{ $phrasing }” is now one of the questions of { $article }.
kb-rejected = Proposal { $id } rejected: “{ $phrasing }” will not be proposed for { $article } again.
proposal-status-proposed = waiting
proposal-status-accepted = accepted
proposal-status-rejected = rejected
proposal-source-confirmed = a customer said it helped
proposal-source-closed = from a ticket closed with it
close-unknown-article = There is no article “{ $article }”. An article's id is the id: at the top of its file in the kb folder; /faq <question> shows matching articles, and supportbot kb search "<question>" --json prints their ids.
closed-with-article = answered by article { $article }
close-kb-proposed = Article { $article } linked: the customer's first message is proposed as a new phrasing of it (/kb proposals).
close-kb-nothing-new = Article { $article } linked: the customer's first message adds no new phrasing to it.
dashboard-link =
    Your dashboard sign-in link, for you alone and usable once within { $minutes } minutes:
    { $url }
dashboard-sent-privately = I sent you a dashboard sign-in link in a private message.
dashboard-off = The web dashboard is not running on this bot ([dashboard] enabled = false).
