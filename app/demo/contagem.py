"""Contagem's demo data: territory, themes, groups, spaces and councils.

Territory and populations come from the IBGE boundary (code 3118601) and the
city portal (app/demo/*.json); people are pseudonyms ("Participante 0042").
Legal bases are named generically where the demo does not know the act.
"""

import json
from dataclasses import dataclass
from importlib.resources import files
from typing import Any

TEXTS = files("app.demo")


def municipality() -> dict[str, Any]:
    data: dict[str, Any] = json.loads((TEXTS / "regionais.json").read_text("utf-8"))
    return data


def boundary() -> dict[str, Any]:
    collection = json.loads((TEXTS / "municipality.geojson").read_text("utf-8"))
    geometry: dict[str, Any] = collection["features"][0]["geometry"]
    return geometry


NEIGHBOURHOODS = {
    "ELD": ["Eldorado"],
    "IND": ["Cidade Industrial"],
    "RES": ["Ressaca"],
    "NAC": ["Nacional"],
    "PET": ["Petrolândia"],
    "RIA": ["Riacho das Pedras"],
}

AREA_TYPES: dict[str, dict[str, str]] = {
    "social": {
        "pt-BR": "Políticas sociais",
        "en": "Social policy",
        "es": "Políticas sociales",
    },
    "urban": {
        "pt-BR": "Cidade e território",
        "en": "City and territory",
        "es": "Ciudad y territorio",
    },
    "economy": {
        "pt-BR": "Economia e trabalho",
        "en": "Economy and work",
        "es": "Economía y trabajo",
    },
}

AREAS: list[tuple[str, dict[str, str]]] = [
    ("social", {"pt-BR": "Saúde", "en": "Health", "es": "Salud"}),
    ("social", {"pt-BR": "Educação", "en": "Education", "es": "Educación"}),
    (
        "social",
        {
            "pt-BR": "Assistência social",
            "en": "Social assistance",
            "es": "Asistencia social",
        },
    ),
    ("social", {"pt-BR": "Cultura", "en": "Culture", "es": "Cultura"}),
    (
        "social",
        {"pt-BR": "Esporte e lazer", "en": "Sport and leisure", "es": "Deporte y ocio"},
    ),
    ("urban", {"pt-BR": "Mobilidade", "en": "Mobility", "es": "Movilidad"}),
    ("urban", {"pt-BR": "Habitação", "en": "Housing", "es": "Vivienda"}),
    ("urban", {"pt-BR": "Meio ambiente", "en": "Environment", "es": "Medio ambiente"}),
    (
        "urban",
        {
            "pt-BR": "Segurança cidadã",
            "en": "Public safety",
            "es": "Seguridad ciudadana",
        },
    ),
    (
        "economy",
        {
            "pt-BR": "Trabalho e renda",
            "en": "Jobs and income",
            "es": "Trabajo e ingresos",
        },
    ),
]

SEGMENT_NAMES = {
    "juventude": {"en": "Youth", "es": "Juventud"},
    "mulheres": {"en": "Women", "es": "Mujeres"},
    "empresários": {"en": "Business owners", "es": "Empresarios"},
    "comércio": {"en": "Commerce", "es": "Comercio"},
    "pessoa idosa": {"en": "Older people", "es": "Personas mayores"},
    "segmentos religiosos": {"en": "Faith communities", "es": "Comunidades religiosas"},
    "associações comunitárias": {
        "en": "Community associations",
        "es": "Asociaciones comunitarias",
    },
}

POPULATION_GROUPS = [
    (
        "populacao-negra",
        {"pt-BR": "População negra", "en": "Black population", "es": "Población negra"},
    ),
    (
        "pcd",
        {
            "pt-BR": "Pessoas com deficiência",
            "en": "People with disabilities",
            "es": "Personas con discapacidad",
        },
    ),
    (
        "lgbtqia",
        {
            "pt-BR": "População LGBTQIA+",
            "en": "LGBTQIA+ people",
            "es": "Población LGBTQIA+",
        },
    ),
    (
        "comunidades-tradicionais",
        {
            "pt-BR": "Povos e comunidades tradicionais",
            "en": "Traditional peoples and communities",
            "es": "Pueblos y comunidades tradicionales",
        },
    ),
]

SECTORS = [
    ("usuarios", {"pt-BR": "Usuários", "en": "Service users", "es": "Usuarios"}),
    (
        "trabalhadores",
        {"pt-BR": "Trabalhadores", "en": "Workers", "es": "Trabajadores"},
    ),
    (
        "prestadores",
        {
            "pt-BR": "Prestadores de serviço",
            "en": "Service providers",
            "es": "Prestadores de servicios",
        },
    ),
    ("governo", {"pt-BR": "Governo", "en": "Government", "es": "Gobierno"}),
]


@dataclass(frozen=True)
class PhaseData:
    title: dict[str, str]
    start: str
    end: str
    active: bool


PPA_PHASES = [
    PhaseData(
        {
            "pt-BR": "Diagnóstico nas regionais",
            "en": "Diagnosis in the regions",
            "es": "Diagnóstico en las regionales",
        },
        "2026-09-01",
        "2026-11-15",
        False,
    ),
    PhaseData(
        {
            "pt-BR": "Propostas e priorização",
            "en": "Proposals and priorities",
            "es": "Propuestas y priorización",
        },
        "2026-11-16",
        "2027-02-28",
        True,
    ),
    PhaseData(
        {"pt-BR": "Devolutiva", "en": "Feedback", "es": "Devolución"},
        "2027-03-01",
        "2027-04-30",
        False,
    ),
]

HEALTH_COUNCIL_COMPOSITION = [
    ("usuarios", 8, 8),
    ("trabalhadores", 4, 4),
    ("governo", 2, 2),
    ("prestadores", 2, 2),
]
