# 客户看到的内容：问候、常见问题解答、工单、满意度评价。

welcome = 您好！我是客服机器人。有什么问题都可以问我：能从帮助文章中找到答案的，我会直接回答；找不到的，我会为您转接人工客服。
help-header = 可用命令：
help-line = { $usage }：{ $desc }
help-footer = 也可以直接输入您的问题。
help-lang = 选择语言：
staff-only = 抱歉，该命令仅供客服人员使用。发送 /help 查看您可以使用的命令。
internal-error = 抱歉，我们这边出了点问题，您的消息未能处理。请稍后再试。
ticket-opened = 已为您创建工单 { $id }。客服人员会在这里回复您，{ $expectation }。如需补充细节或截图，随时在这里发送即可。
out-of-support = 请注意：根据我们的记录，您的支持服务已于 { $until } 到期。我们仍已记录您的请求，稍后会有同事与您联系续期事宜。
already-open = 您已有一个未关闭的工单 { $id }（{ $status }）。直接在这里留言，消息会转给负责的客服。
status-line = 工单 { $id }“{ $subject }”：{ $status }（{ $who }），优先级 { $priority }。
status-who-agent = { $agent } 正在处理
status-who-nobody = 等待客服接手
no-open-ticket = 您目前没有未关闭的工单。直接写下您的问题，我来帮您；或发送 /ticket 联系人工客服。
cstatus-new = 新建
cstatus-open = 处理中
cstatus-pending = 等待您的回复
cstatus-on-hold = 暂缓处理
cstatus-solved = 已解决
cstatus-closed = 已关闭
closed-for-customer = 工单 { $id } 已关闭（{ $reason }）。感谢您联系客服！您对这次得到的帮助满意吗？请点击 1（很差）到 5（非常好）评分。
closed-by-you = 应您的要求关闭
csat-thanks = 感谢您给出 { $score }/5 的评分！如果想补充意见，直接在下一条消息里写下即可。
csat-comment-thanks = 谢谢，您的意见已添加到评分中。如有需要，随时再来找我们。
reopened-for-customer = 工单 { $id } 已重新打开。有任何补充请在这里留言。
claimed-for-customer = 客服 { $agent } 正在处理您的工单 { $id }。
agent-said = { $agent }（客服）：{ $text }
registered = 谢谢！您的许可证已关联到 { $account }，支持服务有效期至 { $until }。
registered-no-date = 谢谢！您的许可证已关联到 { $account }。
unknown-license = 没有找到这个许可证密钥。请核对一下（购买确认邮件里有），然后再试一次；或者直接写下您的问题，会有客服来帮您。
btn-yes-helped = 有帮助，解决了
btn-no-person = 没有，我需要人工客服
btn-open-ticket = 创建工单
faq-did-this-help = 这篇文章对您有帮助吗？
faq-suggest-header = 以下文章或许能帮到您：
faq-suggest-footer = 其中有对您有帮助的吗？
faq-unavailable = 帮助文章暂时无法使用。
faq-nothing-found = 没有找到相关文章。请在这里写下您的问题，客服人员会来帮您。
button-expired = 这个按钮已失效，请重新输入您的问题。
faq-not-yours = 这个问题是其他人提出的。
faq-already-answered = 您已经回答过了，谢谢！
faq-glad-short = 很高兴能帮到您！
faq-glad = 太好了，很高兴能帮到您！如果还有其他问题，随时来问。
csat-not-yours = 只有创建该工单的用户才能评分。
csat-reopened = 该工单已重新打开，关闭后才能评分。
panel-prompt = 请告诉我您需要什么帮助：直接在这里写下您的问题（也可以私信我）。
ticket-default-subject = 客服请求（尚无描述）
feedback-added = 已添加到您未关闭的工单 { $id }，团队可以在那里看到。
smalltalk-greeting = 您好！我是客服机器人。请用一两句话描述您的问题，我会帮您查找答案，或为您转接人工客服。发送 /help 查看我能做什么。
smalltalk-thanks = 不客气！如果还需要帮助，随时找我。
smalltalk-ack = 好的。如果有问题，直接在这里写下即可；发送 /help 查看我能做什么。
lang-set = 好的，之后我会用中文回复您。
lang-usage = 请选择语言：/lang en（English）、/lang zh（中文）或 /lang hu（magyar）。
promise-fallback = 我们通常会在一个工作日内回复
promise-business = 预计在 { $span }工作时间内首次回复，最晚 { $due }（{ $zone }）
promise-always = 预计在 { $span }内首次回复，最晚 { $due }（{ $zone }）
message-too-long = 您的消息有 { $chars } 个字符，超过了我能接收的 { $max } 个字符。请分成几条较短的消息发送，或把文字作为文件发送。
faq-too-long = /faq 问题请控制在 { $max } 个字符以内。较长的问题请直接在这里写下，我会回答或转给客服人员。
note-too-long = 这条备注有 { $chars } 个字符，备注最多 { $max } 个字符。请拆成几条 /note 命令。
too-many-attachments = 工单 { $id } 已有 { $max } 个文件，已达单个工单的上限。其他文件请以链接形式分享。
customer-command-in-staff-space = 该命令供客户在与我的私聊中使用。在这里请发送 /help 查看客服命令。
edit-not-relayed = 我看到您编辑了一条消息。我只处理新消息，如果仍需要帮助，请把修改后的内容作为一条新消息发送。
edit-of-command = 编辑过的命令不会再次执行。请重新发送该命令。
edited-by-agent = ✏️ { $agent }（客服）编辑了一条消息：{ $text }
edited-by-agent-empty = ✏️ { $agent }（客服）编辑了一条消息（新版本没有文字）。
cannot-relay-to-support = 抱歉，我无法把{ $kind ->
        [sticker] 贴纸
        [location] 位置
        [contact] 联系人名片
        [poll] 投票
        [dice] 动画表情
        [game] 游戏
        [story] 动态
       *[other] 这类消息
    }转给客服团队。请用文字描述，或发送图片或文件。
already-rated = 您已经为工单 { $id } 评过分（{ $score }/5），只有第一次评分有效。谢谢！
slow-down = 您发送消息的速度超出了我的处理能力（每分钟最多 { $n } 条）。请稍等片刻，之后发送的消息我会照常阅读。
moved-to-thread = 谢谢！我已把对话移到与您的私密子区：{ $thread }
customer-thread-title = 客服：{ $name }
attachment-link = 附件：{ $name }
attachment-elsewhere = 📎 { $name }（在 { $platform } 上发送的文件，已保存在工单中）
empty-message = （空消息）
surveys-off = 您将不再收到满意度调查。如需恢复，请发送 /start surveys。
surveys-on = 已恢复满意度调查：工单关闭后，您可以为获得的帮助评分。
closed-for-customer-no-survey = 工单 { $id } 已关闭（{ $reason }）。感谢您联系客服！
quarterly-survey = 您对我们在 { $quarter } 的客服满意吗？请点击 1（很差）到 5（非常好）评分，之后还可以留言。如不想再收到调查，请发送 /stop surveys。
quarterly-already-rated = 您已为本季度打了 { $score }/5 分。谢谢！
quarter-name = { $year } 年第 { $q } 季度
