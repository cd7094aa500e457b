# 发到客服大厅的日报和周报。

digest-head-daily = 📊 { $day } 日报
digest-head-weekly = 📊 { $from } 至 { $to } 周报
digest-late = （补发：原定 { $due } 发送，当时机器人未在运行。）
digest-volume = 工单：新建 { $opened } 个，关闭 { $closed } 个，重新打开 { $reopened } 个。
digest-breaches = SLA 超时：{ $breaches } 次（其中首次响应 { $first } 次）。
digest-response = 响应达标率：{ $rate }（{ $total } 次首次响应中 { $hits } 次按时；目标 { $goal }）。
digest-response-none = 响应达标率：暂无到期的首次响应。
digest-csat = 满意度：{ $closed } 个已关闭工单收到 { $responses } 个评分，平均 { $average } 分（满分 5 分）。
digest-csat-none = 满意度：{ $closed } 个已关闭工单均未评分。
digest-priorities = 按优先级新建：P1 { $p1 } · P2 { $p2 } · P3 { $p3 } · P4 { $p4 }
digest-oldest-head = 最早的未结工单：
digest-oldest-row = • { $id } [{ $priority }] { $subject }：{ $status }，已开 { $age }
digest-oldest-none = 当前没有未结工单。
digest-chart = 按优先级新建的工单数：从左到右依次为 P1、P2、P3、P4。
