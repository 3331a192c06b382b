#!/usr/bin/env python3
"""Writes N synthetic subjects as JSONL (the API's subject shape) to stdout.

A deterministic spread over ages 1-95, all genders, names in several scripts, and a few
pinned attributes, so the benchmark exercises the same paths real imports do.
"""
import json
import sys

GIVEN = ["Ana", "Bo", "Chidi", "Dmitri", "Élodie", "Farah", "Gustavo", "Hana", "Ines", "Jamal",
         "Kenji", "Lena", "Mateo", "Nia", "Oskar", "Priya", "Quentin", "Rosa", "Sven", "Tamar",
         "牧野", "محمد", "Zoë", "Yusuf"]
FAMILY = ["Abara", "Bianchi", "Cohen", "D'Amore", "Eriksen", "Fernández", "García", "Haddad",
          "Ito", "Jovanović", "Kowalski", "van de Heuvel", "Mbeki", "Nguyen", "O'Neal", "爛漫"]
GENDERS = ["female", "male", "other", "unknown", ""]

def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 10000
    for i in range(n):
        age = 1 + (i * 37) % 95
        year = 2026 - age
        subject = {
            "id": f"bench-{i:06d}",
            "name": f"{GIVEN[i % len(GIVEN)]} {FAMILY[(i // 3) % len(FAMILY)]}",
            "gender": GENDERS[i % len(GENDERS)],
            "birth_date": f"{year}-{1 + i % 12:02d}-{1 + i % 28:02d}",
            "cohorts": ["bench"],
            "attributes": {"team_name": f"Team {i % 30}"},
        }
        print(json.dumps(subject, ensure_ascii=False))

if __name__ == "__main__":
    main()
