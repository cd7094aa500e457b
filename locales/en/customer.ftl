# What customers read: greetings, FAQ answers, tickets, ratings.

welcome = Hi! I'm the support bot. Ask me anything: I'll answer from our help articles when I can, and hand you to a person when I can't.
help-header = Commands:
help-line = { $usage }: { $desc }
help-footer = Or simply write your question.
help-lang = Choose your language:
staff-only = Sorry, that command is only for support agents. Send /help to see what you can do.
internal-error = Sorry, something went wrong on our side and your message was not processed. Please try again in a minute.
ticket-opened = I've opened ticket { $id } for you. A support agent will reply here; { $expectation }. You can add details or screenshots any time by writing here.
out-of-support = Please note: our records show your support period ended on { $until }. We've still recorded your request, and someone will get back to you about renewing your support.
already-open = You already have ticket { $id } open ({ $status }). Just write here and it goes straight to the agent.
status-line = Ticket { $id } "{ $subject }": { $status } ({ $who }), priority { $priority }.
status-who-agent = { $agent } is working on it
status-who-nobody = waiting for an agent
no-open-ticket = You have no open ticket. Write your question and I'll help, or use /ticket to talk to a person.
cstatus-new = new
cstatus-open = open
cstatus-pending = waiting for your reply
cstatus-on-hold = on hold
cstatus-solved = solved
cstatus-closed = closed
closed-for-customer = Ticket { $id } is now closed ({ $reason }). Thank you for contacting support! How satisfied are you with the help you got? Tap 1 (poor) to 5 (excellent).
closed-by-you = closed at your request
csat-thanks = Thank you for rating us { $score }/5! If you'd like to add a comment, just write it in your next message.
csat-comment-thanks = Thanks, we've added your comment to the rating. Write again any time if you need help.
reopened-for-customer = Ticket { $id } has been reopened. Write here to add anything.
claimed-for-customer = { $agent } from support is now looking at ticket { $id }.
agent-said = { $agent } (support): { $text }
registered = Thanks! Your license is linked to { $account }; support is included until { $until }.
registered-no-date = Thanks! Your license is linked to { $account }.
unknown-license = I couldn't find that license key. Please check it (it's in your purchase email) and try again, or just write your question and a person will help.
btn-yes-helped = Yes, that helped
btn-no-person = No, I need a person
btn-open-ticket = Open a ticket
faq-did-this-help = Did this help?
faq-suggest-header = These articles might help:
faq-suggest-footer = Did one of these help?
faq-unavailable = The help articles are not available right now.
faq-nothing-found = I found no article about that. Write your question here and a person will help.
button-expired = This button has expired. Please write your question again.
faq-not-yours = This question was asked by someone else.
faq-already-answered = You've already answered this one. Thanks!
faq-glad-short = Glad it helped!
faq-glad = Great, glad that helped! Write any time if you have another question.
csat-not-yours = Only the person who opened this ticket can rate it.
csat-reopened = This ticket is open again; you can rate it once it is closed.
panel-prompt = Tell me what you need help with: write your question here (in a DM with me if you prefer).
ticket-default-subject = Support request (no description yet)
feedback-added = Added to your open ticket { $id }; the team sees it there.
smalltalk-greeting = Hello! I'm the support bot. Write your question in a sentence or two and I'll look for an answer, or hand you to a person. /help lists what I can do.
smalltalk-thanks = You're welcome! Write any time if you need help again.
smalltalk-ack = All right. If you have a question, just write it here; /help lists what I can do.
lang-set = From now on I'll answer you in English.
lang-usage = Choose a language: /lang en (English), /lang zh (中文) or /lang hu (magyar).
promise-fallback = we usually reply within one business day
promise-business = expect a first reply within { $span } of business time, by { $due } ({ $zone })
promise-always = expect a first reply within { $span }, by { $due } ({ $zone })
message-too-long = Your message is { $chars } characters long, more than the { $max } I can take. Please split it into shorter messages, or attach the text as a file.
faq-too-long = Please keep /faq questions under { $max } characters. For a longer question, just write it here and I'll answer or hand it to a person.
note-too-long = That note is { $chars } characters long; notes may have at most { $max }. Please split it into several /note commands.
too-many-attachments = Ticket { $id } already has { $max } files, the most one ticket can hold. Please share further files as a link.
customer-command-in-staff-space = That command is for customers in their own chat with me. Here, send /help to see the agent commands.
edit-not-relayed = I saw you edited a message. I only act on new messages, so please send the corrected text as a new message if you still need help.
edit-of-command = Edited commands are not run again. Please send the command as a new message.
edited-by-agent = ✏️ { $agent } (support) edited a message: { $text }
edited-by-agent-empty = ✏️ { $agent } (support) edited a message (the new version has no text).
cannot-relay-to-support = Sorry, I can't pass on { $kind ->
        [sticker] a sticker
        [location] a location
        [contact] a contact
        [poll] a poll
        [dice] an animated emoji
        [game] a game
        [story] a story
       *[other] this kind of message
    } to our support team. Please describe it in words, or send a photo or a file.
already-rated = You already rated ticket { $id } ({ $score }/5); only the first rating counts. Thanks!
slow-down = You're sending messages faster than I can take them (at most { $n } a minute). Please wait a moment; I'll read what you send after that.
moved-to-thread = Thanks! I've moved this to a private thread with you: { $thread }
customer-thread-title = Support: { $name }
attachment-link = Attachment: { $name }
attachment-elsewhere = 📎 { $name } (a file sent on { $platform }, kept in the ticket)
empty-message = (empty message)
surveys-off = You will get no more satisfaction surveys. Send /start surveys to get them again.
surveys-on = Satisfaction surveys are on again: when a ticket closes you can rate the help you got.
closed-for-customer-no-survey = Ticket { $id } is now closed ({ $reason }). Thank you for contacting support!
quarterly-survey = How satisfied were you with our support in { $quarter }? Tap 1 (poor) to 5 (excellent); you can add a comment after. Send /stop surveys to get no more surveys.
quarterly-already-rated = You already rated this quarter { $score }/5. Thank you!
quarter-name = Q{ $q } { $year }
