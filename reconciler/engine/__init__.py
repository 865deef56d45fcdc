"""The plan engine, pure: desired + live -> a Plan, and the plan's JSON form and selection.

    plan.py       plan(desired, live, today, policy, now, environment) and the plan's values
    plan_json.py  the saved plan (`--out plan.json`), written and read back
    selection.py  choosing entities (names, selectors, marketplaces, shards)

Reads nothing and writes nothing; imports the domain and desired (for preflight) only.
"""
