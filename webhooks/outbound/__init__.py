"""Outgoing: the workspace's event log as CRMs read it (REST), and the signed webhooks to CRM
endpoints (endpoints, deliveries)."""
