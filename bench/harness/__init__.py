"""What every bench script shares, so that their figures mean the same thing:

- `database`: throwaway SQLite or PostgreSQL databases, engines, read-only checks;
- `seed`: fictitious rosters and exams stored through the desk's migrations and services;
- `desk`: the desk's production environment and gunicorn app servers on free ports;
- `processes`: free ports, process groups started and stopped together;
- `http`: the HTTP client (cookies, keep-alive, Retry-After retries, latency samples);
- `html`: forms and CSRF tokens of staff pages;
- `stats`: the one percentile definition (nearest rank) and summaries built on it;
- `load`: closed-loop load from a fixed set of clients;
- `bare`: the bare-INSERT endpoint the desk is measured against;
- `inbox_data`: the seed of bench.inbox (tickets with varied subjects and two messages).
"""
