"""The ACORN-i client: LWA auth, rate limits, retries and the audit log over httpx."""
