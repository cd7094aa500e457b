# 客服人员在工作区看到的内容：新工单介绍、操作确认、队列、详情。

not-staff-here = 只有已配置的客服人员可以在这里操作。
staff-help-header = 客服命令（在工单的讨论串中可以省略工单号；在那里直接输入的文字会作为回复发给客户）：
relay-from-customer = { $name }（客户）：{ $text }
intro-head = 新的{ $kind }工单 { $id }，来自 { $name }（{ $platform } { $user }，等级 { $tier }）
intro-head-oos = 新的{ $kind }工单 { $id }，来自 { $name }（{ $platform } { $user }，等级 { $tier }，支持已到期）
intro-subject = 主题：{ $subject }
intro-lang = 客户语言：{ $lang }
intro-faq = 机器人推荐了“{ $title }”（置信度 { $confidence }），客户表示没有帮助。
faq-tried = 机器人尝试用文章“{ $title }”（{ $article }）回答“{ $query }”，置信度 { $confidence }；客户要求人工客服。
faq-tried-none = 机器人没有找到可回答“{ $query }”的文章；客户要求人工客服。
feedback-label-bug = 问题报告
feedback-label-feature = 功能建议
feedback-label-question = 咨询
kind-question = 咨询
kind-bug = 缺陷
kind-feature = 功能需求
kind-incident = 故障
lang-name-en = 英语
lang-name-zh = 中文
lang-name-hu = 匈牙利语
status-new = 新建
status-open = 处理中
status-pending = 等待客户
status-on-hold = 暂缓
status-solved = 已解决
status-closed = 已关闭
btn-claim = 认领
claim-not-staff = 只有客服人员可以认领工单。
claim-ack = 您已认领工单 { $id }。
claimed-short = 已认领。
claimed-staff = { $agent } 认领了工单 { $id }。
unassigned-again = 工单 { $id } 已取消分配。
no-such-agent = 没有名为 { $name } 的客服。客服列表：{ $agents }。
assigned = 工单 { $id } 已分配给 { $agent }。
note-added = 已为工单 { $id } 添加内部备注（客户看不到）。
priority-changed = 工单 { $id } 的优先级已改为 { $priority }。
tier-changed = 工单 { $id } 的客户等级已改为 { $tier }。
now-pending = 工单 { $id } 正在等待客户回复。
now-on-hold = 工单 { $id } 已暂缓。
now-solved = 工单 { $id } 已解决。
now-fixed = 工单 { $id }：该缺陷已标记为已修复。
now-incident = 工单 { $id } 已确认为故障，开始于 { $since }（{ $zone }）：客户的停机时间从此刻计算，直到解决。
now-incident-p1 = 工单 { $id } 已确认为故障，开始于 { $since }（{ $zone }），优先级已改为 P1：客户的停机时间从此刻计算，直到解决。
report-lead-only = 只有主管和管理员可以查看报告。
report-unavailable = 当前部署不提供报告。
report-sla-header = { $month } SLA 报告：共 { $breaches } 次违约，其中首次响应 { $first } 次。
report-sla-customer = • { $customer }：{ $breaches } 次违约，可用性 { $availability }（承诺 { $promise }），应补偿：{ $credit }
report-sla-none = { $month } 没有违约，也没有故障。
report-credit-none = 无
reopened-staff = 工单 { $id } 已重新打开。
panel-admin-only = 只有管理员可以发布客服面板。
panel-text = 需要帮助吗？在这里提问，或创建工单联系人工客服。
panel-title = 客服支持
reply-sent = 回复已发送给工单 { $id } 的客户。
close-needs-id = 在这里使用 /close 需要提供工单号。用法：{ $usage }
close-needs-reason = /close 需要填写关闭原因。用法：{ $usage }
closed-confirm = 工单 { $id } 已关闭。
closed-staff = 工单 { $id } 已关闭：{ $reason }
closed-by-customer = 客户自行关闭
queue-empty = 队列为空。
queue-mine-empty = 您没有未关闭的工单。
queue-header = 队列（按截止时间排序）：
queue-mine-header = 您的工单：
queue-more = …… 还有 { $n } 个
queue-capped = （未关闭的工单超过 { $n } 个；以上是最早的 { $n } 个工单中截止时间最近的。）
unassigned = 未分配
nobody = 无人
show-head = 工单 { $id } [{ $priority }] { $subject }
show-status = 状态：{ $status }  等级：{ $tier }  类型：{ $kind }  负责人：{ $assignee }
show-from = 来自：{ $name }（{ $platform } { $user }），语言：{ $lang }
show-tags = 标签：{ $tags }
show-earlier = …… 之前还有 { $n } 条消息（运行 supportbot tickets show { $ticket } 查看全部）
show-internal = [内部]
no-ticket = 工单 { $id } 不存在。
err-closed = 工单 { $id } 已关闭。
err-not-closed = 工单 { $id } 尚未关闭。
err-claimed-by-other = 工单 { $id } 已被 { $agent } 认领。
err-not-claimed-by-you = 工单 { $id } 不是由您认领的。
topic-now = 工单现在是：{ $title }（{ $state }）
topic-open = 打开
topic-closed = 已关闭
triage-suggest = 建议：{ $kind }，{ $priority }。点击按钮接受，或用 /priority 修改。
btn-accept-triage = 接受：{ $kind } { $priority }
triage-accepted = { $agent } 接受了建议：{ $kind }，{ $priority }。SLA 目标现按 { $priority } 计算。
triage-stale = 该建议已不再适用：工单在此之后已有变更。
err-already-claimed = 您已经认领了工单 { $id }。
err-already-assigned = 工单 { $id } 已经分配给 { $agent }。
err-already-priority = 工单 { $id } 的优先级已经是 { $priority }。
err-already-tier = 工单 { $id } 已经是 { $tier } 等级。
err-already-fixed = 工单 { $id } 的缺陷已标记为已修复。
err-incident-future = { $since }（{ $zone }）尚未到来：故障的开始时间必须是过去的时间。
err-incident-too-early = { $since }（{ $zone }）比工单 { $id } 的创建时间早了 { $days } 天以上，请检查日期。
err-already-status = 工单 { $id } 已经是“{ $status }”状态。
edited-by-customer = ✏️ { $name }（客户）编辑了一条消息：{ $text }
edited-by-customer-empty = ✏️ { $name }（客户）编辑了一条消息（新版本没有文字）。
edited-entry = ✏️ 已编辑：{ $text }
cannot-relay-to-customer = 无法把{ $kind ->
        [sticker] 贴纸
        [location] 位置
        [contact] 联系人名片
        [poll] 投票
        [dice] 动画表情
        [game] 游戏
        [story] 动态
       *[other] 这类消息
    }转给客户，消息未发送。请改用文字，或发送图片或文件。
customer-sent-unsupported = { $name }（客户）发送了{ $kind ->
        [sticker] 贴纸
        [location] 位置
        [contact] 联系人名片
        [poll] 投票
        [dice] 动画表情
        [game] 游戏
        [story] 动态
       *[other] 一条无法识别的消息
    }，机器人无法转发。已请客户用文字描述。

## 会学习的 FAQ：/kb proposals、/kb accept、/kb reject、/close … kb:<id>
kb-lead-only = 只有主管和管理员可以审核 FAQ 建议。
kb-unavailable = 这里无法审核 FAQ 建议：机器人没有可写入的知识库文件夹。
kb-no-proposal = 没有编号为 { $id } 的建议。/kb proposals 会列出待审核的建议及其编号。
kb-already-decided = 建议 { $id } 已经是“{ $status }”状态。
kb-empty-phrasing = 修改后的问法为空。用法：{ $usage }
kb-article-gone = 文章 { $article } 已不在知识库中，无法再向其添加内容；请拒绝该建议。
kb-file-failed = 无法更新文章文件（{ $error }）；没有做任何更改。
kb-proposals-none = 没有待审核的问法建议。
kb-proposals-header = { $n ->
   *[other] 有 { $n } 条问法建议待审核：
}
kb-proposal-line = #{ $id } → { $article }：“{ $phrasing }”（{ $source }）
kb-proposals-footer = 用 /kb accept <编号>（或 /kb accept <编号> <修改后的文字>）接受，用 /kb reject <编号> 拒绝。
kb-accepted = 已接受建议 { $id }：“{ $phrasing }”现在是文章 { $article } 的问题之一。
kb-rejected = 已拒绝建议 { $id }：今后不会再为文章 { $article } 建议“{ $phrasing }”。
proposal-status-proposed = 待审核
proposal-status-accepted = 已接受
proposal-status-rejected = 已拒绝
proposal-source-confirmed = 客户表示有帮助
proposal-source-closed = 来自以该文章关闭的工单
close-unknown-article = 没有文章“{ $article }”。文章编号是知识库文件夹中该文件开头的 id:；/faq <问题> 会显示匹配的文章，supportbot kb search "<问题>" --json 会打印它们的编号。
closed-with-article = 已由文章 { $article } 解答
close-kb-proposed = 已关联文章 { $article }：客户的第一条消息已作为该文章的新问法提交审核（/kb proposals）。
close-kb-nothing-new = 已关联文章 { $article }：客户的第一条消息没有为该文章带来新的问法。
dashboard-link =
    你的控制台登录链接，仅供你本人使用，{ $minutes } 分钟内有效且只能使用一次：
    { $url }
dashboard-sent-privately = 我已通过私信把控制台登录链接发给你。
dashboard-off = 此机器人未运行网页控制台（[dashboard] enabled = false）。
