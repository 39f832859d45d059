"""The public avatar catalog: 320 generated presenters with stable ids, names and looks.

Generation is deterministic: avatar N is built from its own seeded random stream, so ids, names and
looks never change between runs or when the catalog grows.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from functools import lru_cache

from lib.engine.render.look import AvatarLook, Color, mix, shade

CATALOG_SIZE = 320
GENDERS = ("female", "male")
AGES = ("young_adult", "adult", "senior")
STYLES = ("professional", "social")
SCENES = ("lifestyle", "outdoors", "business", "studio", "health_fitness", "education", "news")
ETHNICITIES = ("european", "african", "south_asian", "east_asian", "middle_eastern", "south_american",
               "north_american")
ASPECT_RATIOS = (0, 1, 2)  # portrait, landscape, square


@dataclass(frozen=True)
class AvatarProfile:
    """One public avatar: the catalog attributes JoggAI exposes plus how it looks."""

    id: int
    name: str
    gender: str
    age: str
    style: str
    scene: str
    ethnicity: str
    aspect_ratio: int
    look: AvatarLook


_FIRST_NAMES: dict[tuple[str, str], tuple[str, ...]] = {
    ("european", "female"): ("Sophie", "Clara", "Elena", "Freya", "Ingrid", "Lucia", "Marta", "Anouk", "Greta",
                             "Chiara", "Niamh", "Zofia"),
    ("european", "male"): ("Lukas", "Matteo", "Henrik", "Oliver", "Pierre", "Tomasz", "Erik", "Jonas", "Luca",
                           "Finn", "Pablo", "Stefan"),
    ("african", "female"): ("Amara", "Zuri", "Nia", "Ayana", "Chiamaka", "Imani", "Adaeze", "Thandiwe", "Makena",
                            "Folake", "Abena", "Sade"),
    ("african", "male"): ("Kwame", "Tunde", "Jabari", "Sipho", "Chidi", "Kofi", "Oluwaseun", "Themba", "Malik",
                          "Baraka", "Emeka", "Yaw"),
    ("south_asian", "female"): ("Priya", "Ananya", "Meera", "Kavya", "Aisha", "Nisha", "Divya", "Ishita", "Sana",
                                "Riya", "Tara", "Lakshmi"),
    ("south_asian", "male"): ("Arjun", "Rohan", "Vikram", "Rahul", "Imran", "Karan", "Aditya", "Sameer", "Dev",
                              "Nikhil", "Farhan", "Ravi"),
    ("east_asian", "female"): ("Mei", "Yuna", "Hana", "Xiaoling", "Sakura", "Jiwoo", "Lian", "Aiko", "Minji",
                               "Yue", "Haruka", "Soo-ah"),
    ("east_asian", "male"): ("Kenji", "Wei", "Minho", "Haruto", "Jun", "Hiroshi", "Tao", "Jisung", "Daichi",
                             "Liang", "Seojun", "Ren"),
    ("middle_eastern", "female"): ("Layla", "Yasmin", "Noor", "Leila", "Dalia", "Rania", "Zeynep", "Shirin",
                                   "Amira", "Farah", "Nadia", "Mariam"),
    ("middle_eastern", "male"): ("Omar", "Karim", "Yusuf", "Tariq", "Emre", "Reza", "Samir", "Hassan", "Amir",
                                 "Khalid", "Dariush", "Nabil"),
    ("south_american", "female"): ("Valentina", "Camila", "Isabela", "Luana", "Mariana", "Catalina", "Renata",
                                   "Ximena", "Gabriela", "Paula", "Antonella", "Beatriz"),
    ("south_american", "male"): ("Mateo", "Santiago", "Thiago", "Joaquín", "Gabriel", "Diego", "Rafael", "Bruno",
                                 "Emiliano", "Lucas", "Andrés", "Tomás"),
    ("north_american", "female"): ("Emma", "Harper", "Madison", "Aaliyah", "Chloe", "Riley", "Jasmine", "Avery",
                                   "Brooke", "Savannah", "Maya", "Kayla"),
    ("north_american", "male"): ("Ethan", "Mason", "Caleb", "Marcus", "Tyler", "Jordan", "Logan", "Andre",
                                 "Wyatt", "Dylan", "Cole", "Isaiah"),
}
_SURNAMES: dict[str, tuple[str, ...]] = {
    "european": ("Müller", "Rossi", "Dubois", "Novak", "Jansen", "Lindqvist", "García", "Kowalski", "Byrne",
                 "Moreau", "Hansen", "Ferraro"),
    "african": ("Okafor", "Mensah", "Nkosi", "Mwangi", "Adeyemi", "Diallo", "Boateng", "Abebe", "Okonkwo",
                "Dlamini", "Kamau", "Traoré"),
    "south_asian": ("Sharma", "Patel", "Iyer", "Khan", "Reddy", "Gupta", "Nair", "Chowdhury", "Singh", "Perera",
                    "Mehta", "Rao"),
    "east_asian": ("Chen", "Tanaka", "Kim", "Wang", "Sato", "Park", "Liu", "Nakamura", "Lee", "Zhang", "Ito",
                   "Choi"),
    "middle_eastern": ("Haddad", "Yilmaz", "Farouk", "Rahimi", "Nasser", "Aziz", "Demir", "Karimi", "Saleh",
                       "Mansour", "Hakimi", "Khoury"),
    "south_american": ("Silva", "Rodríguez", "Fernández", "Gómez", "Santos", "Herrera", "Castro", "Oliveira",
                       "Morales", "Vargas", "Rocha", "Mendoza"),
    "north_american": ("Johnson", "Carter", "Brooks", "Walker", "Bennett", "Hayes", "Reed", "Foster", "Coleman",
                       "Parker", "Hughes", "Turner"),
}

_SKIN = ((248, 221, 202), (241, 204, 177), (234, 189, 155), (222, 170, 130), (204, 148, 106), (184, 126, 86),
         (160, 104, 68), (132, 82, 52), (106, 64, 40), (82, 50, 32))
_SKIN_RANGE = {"european": (0, 3), "east_asian": (0, 3), "middle_eastern": (2, 5), "south_american": (2, 6),
               "south_asian": (3, 7), "african": (5, 9), "north_american": (0, 9)}
_HAIR = {"black": (28, 24, 24), "dark_brown": (58, 40, 30), "brown": (104, 70, 46), "chestnut": (132, 74, 42),
         "auburn": (156, 72, 40), "blonde": (214, 178, 108), "light_blonde": (230, 204, 146), "grey": (168, 166, 162),
         "white": (226, 224, 218)}
_HAIR_BY_ETHNICITY = {
    "european": ("dark_brown", "brown", "chestnut", "auburn", "blonde", "light_blonde", "black"),
    "north_american": ("dark_brown", "brown", "blonde", "black", "auburn", "chestnut"),
    "african": ("black", "black", "dark_brown"),
    "south_asian": ("black", "black", "dark_brown"),
    "east_asian": ("black", "black", "dark_brown", "brown"),
    "middle_eastern": ("black", "dark_brown", "dark_brown", "brown"),
    "south_american": ("black", "dark_brown", "brown", "chestnut"),
}
_EYES = ((90, 58, 34), (46, 31, 20), (122, 92, 46), (77, 122, 74), (63, 111, 163), (107, 122, 134))
_LIGHT_EYED = {"european", "north_american"}
_OUTFIT_COLOURS: tuple[Color, ...] = (
    (36, 50, 74), (51, 54, 60), (74, 85, 104), (110, 43, 58), (47, 90, 70), (176, 139, 91), (31, 111, 120),
    (209, 162, 59), (224, 122, 95), (127, 178, 217), (156, 140, 208), (236, 232, 224), (44, 44, 48), (107, 112, 69),
    (184, 65, 61), (217, 140, 165), (64, 120, 190), (92, 66, 120))
_GLASSES_COLOURS: tuple[Color, ...] = ((34, 30, 30), (90, 60, 40), (120, 40, 48), (40, 60, 110), (160, 130, 70))
_FEMALE_HAIR = ("long", "bob", "bun", "wavy", "curly", "pixie", "afro", "locs")
_MALE_HAIR = ("short", "side_part", "buzz", "curly", "afro", "bald", "locs", "receding")


def _hair_style(rng: random.Random, gender: str, ethnicity: str, age: str) -> str:
    styles = list(_FEMALE_HAIR if gender == "female" else _MALE_HAIR)
    if ethnicity != "african" and ethnicity != "north_american":
        styles = [s for s in styles if s not in ("afro", "locs")]  # textured styles where they are most typical
    if age != "senior":
        styles = [s for s in styles if s != "receding"]
    elif gender == "male":
        styles += ["receding", "receding", "bald"]
    return rng.choice(styles)


def _make_avatar(avatar_id: int) -> AvatarProfile:
    rng = random.Random(f"avatar-studio/avatar/{avatar_id}")
    i = avatar_id - 1
    # Cycling attributes by index guarantees that every filter value is covered many times over.
    gender = GENDERS[i % 2]
    age = AGES[(i // 2) % 3]
    ethnicity = ETHNICITIES[(i // 6) % 7]
    style = STYLES[(i // 3) % 2]
    scene = SCENES[(i * 3 + i // 7) % 7]
    aspect = ASPECT_RATIOS[(i // 5) % 3]
    lo, hi = _SKIN_RANGE[ethnicity]
    skin = mix(_SKIN[rng.randint(lo, hi)], _SKIN[min(9, hi)], rng.random() * 0.15)
    hair_name = rng.choice(_HAIR_BY_ETHNICITY[ethnicity])
    hair = _HAIR[hair_name]
    if age == "senior":
        hair = _HAIR[rng.choice(("grey", "white", "grey"))]
    elif age == "adult" and rng.random() < 0.25:
        hair = mix(hair, _HAIR["grey"], 0.35)
    eye = rng.choice(_EYES if ethnicity in _LIGHT_EYED else _EYES[:3])
    feminine = gender == "female"
    facial_hair = "none"
    if not feminine and age != "young_adult" or (not feminine and rng.random() < 0.3):
        facial_hair = rng.choice(("none", "none", "stubble", "mustache", "beard", "goatee"))
    glasses = "none"
    if rng.random() < 0.22:
        glasses = rng.choice(("round", "square") + (("cateye",) if feminine else ()))
    if age == "senior" and rng.random() < 0.35:
        glasses = rng.choice(("round", "square"))
    outfit = rng.choice(("suit", "blazer") if style == "professional" and not feminine else
                        ("blazer", "blouse") if style == "professional" else
                        ("tshirt", "hoodie", "sweater", "shirt", "cardigan"))
    if scene == "health_fitness" and style == "social":
        outfit = rng.choice(("tshirt", "hoodie"))
    outfit_colour = rng.choice(_OUTFIT_COLOURS)
    accent = rng.choice([c for c in _OUTFIT_COLOURS if c != outfit_colour])
    if outfit == "suit":
        outfit_colour = rng.choice(_OUTFIT_COLOURS[:5] + (_OUTFIT_COLOURS[12],))
    lip = mix(shade(skin, 0.78), (196, 86, 92), 0.45 if feminine else 0.18)
    look = AvatarLook(
        face_shape=rng.choice(("oval", "round", "square", "heart", "long")),
        face_width=rng.uniform(86, 96) + (3 if not feminine else 0),
        skin=skin,
        hair_style=_hair_style(rng, gender, ethnicity, age),
        hair_color=hair,
        eye_color=eye,
        eye_size=rng.uniform(0.92, 1.12) if feminine else rng.uniform(0.86, 1.04),
        brow_weight=rng.uniform(0.75, 1.05) if feminine else rng.uniform(0.95, 1.4),
        facial_hair=facial_hair,
        glasses=glasses,
        glasses_color=rng.choice(_GLASSES_COLOURS),
        age_lines={"young_adult": 0, "adult": 1, "senior": 2}[age],
        outfit=outfit,
        outfit_color=outfit_colour,
        accent_color=accent,
        lip_color=lip,
        earrings=feminine and rng.random() < 0.55,
        feminine=feminine,
    )
    first = _FIRST_NAMES[(ethnicity, gender)][(i // 42 + rng.randrange(12)) % 12]
    surname = _SURNAMES[ethnicity][rng.randrange(12)]
    return AvatarProfile(avatar_id, f"{first} {surname}", gender, age, style, scene, ethnicity, aspect, look)


@lru_cache(maxsize=1)
def public_avatars() -> tuple[AvatarProfile, ...]:
    """Every public avatar, ordered by id (1..CATALOG_SIZE); names are unique."""
    avatars: list[AvatarProfile] = []
    taken: set[str] = set()
    for avatar_id in range(1, CATALOG_SIZE + 1):
        avatar = _make_avatar(avatar_id)
        name = avatar.name
        if name in taken:  # a rare clash: pick the next first name deterministically
            firsts = _FIRST_NAMES[(avatar.ethnicity, avatar.gender)]
            surnames = _SURNAMES[avatar.ethnicity]
            start = firsts.index(name.split(" ")[0])
            for step in range(1, 12 * 12):
                cand = f"{firsts[(start + step) % 12]} {surnames[(step // 12 + avatar_id) % 12]}"
                if cand not in taken:
                    name = cand
                    break
            avatar = AvatarProfile(avatar.id, name, avatar.gender, avatar.age, avatar.style, avatar.scene,
                                   avatar.ethnicity, avatar.aspect_ratio, avatar.look)
        taken.add(name)
        avatars.append(avatar)
    return tuple(avatars)


@lru_cache(maxsize=1)
def _by_id() -> dict[int, AvatarProfile]:
    return {a.id: a for a in public_avatars()}


def find_public_avatar(avatar_id: int) -> AvatarProfile | None:
    """The public avatar with this id, or None."""
    try:
        return _by_id().get(int(avatar_id))
    except (TypeError, ValueError):
        return None
