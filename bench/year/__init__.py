"""A year of a 200-person organisation in a real database: `python -m bench --seed-year URL`.

shape.py says how big a year is (scalable), people.py/incidents.py/alerts.py/slos.py build the rows the
bot itself would have stored, writer.py writes them in bulk (executemany on SQLite, COPY on PostgreSQL),
seed.py puts it together and caches a seeded SQLite file by SEEDER_VERSION.
"""
