"""The organisations, users, memberships and API tokens are administered in chizai.audit.admin_accounts.

Every change to who may do what is audited, and the audit layer sits above this one: the admin classes live there.
"""
