# 网页控制台：页面、表单及其提示。
web-forbidden-role = 此页面或操作需要 { $role } 或更高角色，你的角色不包含此权限。
web-bad-csrf = 此表单缺少安全令牌或不属于你当前的会话，未执行任何操作。请刷新页面后重试。
web-signed-out = 你尚未登录。请在员工聊天中输入 /dashboard：机器人会私下发给你一次性登录链接。
web-link-invalid = 此登录链接无效（被截断、被修改，或其所属人员已不在员工名单中）。请在员工聊天中输入 /dashboard 获取新链接。
web-link-expired = 此登录链接已过期。请在员工聊天中输入 /dashboard 获取新链接。
web-link-used = 此登录链接已被使用过，每个链接只能登录一次。请在员工聊天中输入 /dashboard 获取新链接。
web-sign-in-as = 以 { $name }（{ $platform }）的身份登录控制台？
web-sign-in = 登录
web-signed-out-title = 已退出
web-signed-out-done = 你已退出登录。如需再次登录，请在员工聊天中输入 /dashboard。
web-nav-queue = 队列
web-nav-reports = 报表
web-nav-faq = 常见问题
web-unanswered-title = 知识库未能回答的问题
web-none-yet = 目前还没有。
web-col-count = 次数
web-col-question = 问题
web-col-examples = 其他问法
web-col-last-seen = 最近一次
web-proposals-title = 建议的问法
web-edit-hint = 修改后的问法（留空则按原样接受）
web-act-accept = 接受
web-act-reject = 拒绝
web-sign-out = 退出
web-problem-title = 无法完成
web-store-down = 目前无法连接数据库，因此未执行任何操作。请稍后重试。
web-late = 已超时 { $span }
web-left = 剩余 { $span }
web-bad-filter = 筛选条件中的 { $what } "{ $value }" 无法识别。
web-col-status = 状态
web-col-priority = 优先级
web-col-tier = 等级
web-col-platform = 平台
web-col-agent = 客服
web-col-subject = 主题
web-col-deadline = 下一个截止时间
web-col-kind = 类型
web-col-customer = 客户
web-col-lang = 语言
web-col-opened = 创建时间
web-any = 全部
web-filter = 显示
web-queue-title = 队列
web-no-such-ticket = 没有工单 { $id }。
web-sla-title = 截止时间
web-transcript-title = 对话记录
web-events-title = 历史
web-file = 文件
web-no-such-file = 此工单中没有这个文件。
web-file-failed = { $platform } 未能提供该文件（可能过大或已不存在），请稍后重试或在该平台上打开。
web-file-on-platform = （保存在 { $platform } 上，请在那里的员工空间中打开）
web-system = 机器人
web-event =
    { $kind ->
        [created] 创建
        [claimed] 认领
        [unclaimed] 取消认领
        [assigned] 分配
        [priority_changed] 修改优先级
        [tier_changed] 修改等级
        [status_changed] 状态变更
        [agent_replied] 客服回复
        [customer_replied] 客户留言
        [note_added] 添加备注
        [closed] 关闭
        [reopened] 重新打开
        [fixed] 标记为已修复
        [incident_start] 标记为故障
       *[other] { $kind }
    }
web-actions-title = 操作
web-act-claim = 认领
web-act-unclaim = 取消认领
web-act-assign = 分配
web-act-priority = 设置优先级
web-act-reply = 回复客户
web-act-note = 添加内部备注
web-act-close = 关闭
web-act-reopen = 重新打开
web-reply-hint = 回复客户（通过其聊天应用发送）
web-note-hint = 内部备注（不会显示给客户）
web-close-hint = 关闭原因
web-need-agent = 请选择要分配给的客服。
web-need-priority = 请选择优先级（P1 到 P4）。
web-need-reply = 请先填写回复内容，未发送任何消息。
web-need-note = 请先填写备注内容，未添加任何备注。
web-need-reason = 请填写关闭原因，工单保持打开。
web-unknown-action = 控制台没有 "{ $action }" 这个操作，未执行任何操作。
web-already-done = 该表单已提交过一次，因此未再次执行。
web-done = 已完成。
web-reply-mirror = { $agent } 在控制台回复了客户：{ $text }
web-note-mirror = { $agent } 在控制台添加了内部备注：{ $text }
web-report-failed = 目前无法生成报表（数据库无响应），请稍后重试。
web-from = 开始
web-to = 结束
web-month = SLA 月份
web-kpi-title = 关键指标
web-sla-report-title = SLA 达成情况，{ $month }
