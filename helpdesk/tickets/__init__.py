"""The support platform (客服平台): tickets, messages, attachments, the staff inbox and SLA.

Other capabilities open tickets with `helpdesk.tickets.services.open_ticket(...)` and list a
candidate's with `tickets_for_candidate(...)`.
"""
