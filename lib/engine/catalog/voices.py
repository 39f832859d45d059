"""The local engine's voice catalog: human-named voices built on espeak-ng languages and variants.

Voice ids follow the cloud's `<locale>-<Name>Neural` pattern but end in `Local`, so a local voice
can never be mistaken for a cloud one: `en-US-AvaLocal`, `zh-CN-XiaoxiaoLocal`, `fr-BE-CharlineLocal`.

Cloud ids the engine does not have (`en-US-ChristopherNeural`, `de-DE-KatjaNeural`...) still work:
`find_voice` maps them to a local voice, deterministically:
  0. only ids of the cloud's shape map: `<lang>-<REGION>-<Name>Neural` or
     `<lang>-<REGION>-<Name>MultilingualNeural` (`en-US-AvaMultilingualNeural`); anything else
     (`no-such-voice`, `en-us-guyneural`) is unknown;
  1. candidates are the local voices of the same locale (`en-US`); if there are none, of the same
     language (`en`); if there are none, the id is unknown (`zz-ZZ-NoOneNeural`);
  2. a candidate with the same first name wins (`en-US-ChristopherNeural` -> `en-US-ChristopherLocal`);
  3. otherwise, when the name is a well-known cloud voice, candidates of its gender are kept;
  4. the pick among the remaining candidates is fixed by a checksum of the requested id.

Known limitation: espeak-ng reads Japanese kana but not kanji (it says "Chinese letter" for each);
the Japanese voices are for kana scripts.

Gender comes from espeak-ng's voice variants (`+f1`..`+f5`, `+m1`..`+m7`, `+grandma`, `+grandpa`),
age from the variant plus pitch and speaking rate.
"""

from __future__ import annotations

import re
import zlib
from dataclasses import dataclass
from functools import cache


@dataclass(frozen=True)
class VoiceProfile:
    """One voice the engine offers: how the API describes it and how espeak-ng speaks it."""

    voice_id: str
    name: str
    language: str  # lower-case English name, e.g. "english", "simplified chinese"
    locale: str  # e.g. "en-US"
    gender: str  # "male" | "female"
    age: str  # "young" | "middle_aged" | "old"
    accent: str
    use_case: str
    espeak_voice: str  # e.g. "en-us+f3"
    rate: int  # words per minute (espeak default 175)
    pitch: int  # 0..100 (espeak default 50)


GENDERS = ("female", "male")
AGES = ("young", "middle_aged", "old")
USE_CASES = ("narrative_story", "conversational", "news", "education", "advertisement",
             "customer_service")


@dataclass(frozen=True)
class _Locale:
    language: str
    locale: str
    espeak: str  # espeak-ng language name
    accent: str
    female: tuple[str, ...]
    male: tuple[str, ...]


def _loc(language: str, locale: str, espeak: str, accent: str, female: str, male: str) -> _Locale:
    return _Locale(language, locale, espeak, accent, tuple(female.split()), tuple(male.split()))


# Order matters: it is the catalog's order and the tie-break for cloud-id mapping.
_LOCALES: tuple[_Locale, ...] = (
    _loc("english", "en-US", "en-us", "american", "Ava Emma Jenny Aria Michelle Sara",
         "Christopher Guy Andrew Brian Eric Davis"),
    _loc("english", "en-GB", "en", "british", "Sonia Libby Maisie", "Ryan Thomas Oliver"),
    _loc("english", "en-GB", "en-gb-scotland", "scottish", "Isla", "Callum"),
    _loc("english", "en-US", "en-us-nyc", "new york", "Gina", "Tony"),
    _loc("english", "en-JM", "en-029", "caribbean", "Kemba", "Andre"),
    _loc("english", "en-GB", "en-gb-x-rp", "received pronunciation", "Victoria", "Edmund"),
    _loc("spanish", "es-ES", "es", "castilian", "Elvira Lucia", "Alvaro Pablo"),
    _loc("spanish", "es-MX", "es-419", "latin american", "Dalia Camila", "Jorge Diego"),
    _loc("french", "fr-FR", "fr", "parisian", "Denise Eloise Camille", "Henri Remy"),
    _loc("french", "fr-BE", "fr-be", "belgian", "Charline", "Gerard"),
    _loc("french", "fr-CH", "fr-ch", "swiss", "Ariane", "Fabrice"),
    _loc("german", "de-DE", "de", "standard german", "Katja Amala Lena", "Conrad Killian Jonas"),
    _loc("portuguese", "pt-BR", "pt-br", "brazilian", "Francisca Thalita", "Antonio Lucas"),
    _loc("portuguese", "pt-PT", "pt", "european", "Raquel", "Duarte"),
    _loc("italian", "it-IT", "it", "standard italian", "Elsa Isabella", "Giuseppe Marco"),
    _loc("simplified chinese", "zh-CN", "cmn", "mandarin", "Xiaoxiao Xiaoyi Xiaomei", "Yunxi Yunjian"),
    _loc("cantonese", "zh-HK", "yue", "hong kong", "HiuGaai", "WanLung"),
    _loc("japanese", "ja-JP", "ja", "standard japanese", "Nanami Aoi", "Keita Daichi"),
    _loc("korean", "ko-KR", "ko", "seoul", "SunHi Jimin", "InJoon Hyunsu"),
    _loc("russian", "ru-RU", "ru", "standard russian", "Svetlana Dariya", "Dmitry Ivan"),
    _loc("hindi", "hi-IN", "hi", "indian", "Swara Ananya", "Madhur Arjun"),
    _loc("arabic", "ar-SA", "ar", "modern standard", "Zariyah Layla", "Hamed Omar"),
    _loc("dutch", "nl-NL", "nl", "netherlands", "Colette Fenna", "Maarten"),
    _loc("polish", "pl-PL", "pl", "standard polish", "Zofia Agnieszka", "Marek"),
    _loc("turkish", "tr-TR", "tr", "istanbul", "Emel", "Ahmet Can"),
    _loc("swedish", "sv-SE", "sv", "central swedish", "Sofie Hillevi", "Mattias"),
    _loc("afrikaans", "af-ZA", "af", "south african", "Adri", "Willem"),
    _loc("albanian", "sq-AL", "sq", "standard albanian", "Anila", "Ilir"),
    _loc("amharic", "am-ET", "am", "ethiopian", "Mekdes", "Ameha"),
    _loc("armenian", "hy-AM", "hy", "eastern armenian", "Anahit", "Hayk"),
    _loc("azerbaijani", "az-AZ", "az", "baku", "Banu", "Babek"),
    _loc("basque", "eu-ES", "eu", "standard basque", "Ainhoa", "Ander"),
    _loc("belarusian", "be-BY", "be", "minsk", "Alesia", "Ales"),
    _loc("bengali", "bn-IN", "bn", "kolkata", "Tanishaa", "Bashkar"),
    _loc("bosnian", "bs-BA", "bs", "sarajevo", "Vesna", "Goran"),
    _loc("bulgarian", "bg-BG", "bg", "standard bulgarian", "Kalina", "Borislav"),
    _loc("catalan", "ca-ES", "ca", "central catalan", "Joana", "Enric"),
    _loc("croatian", "hr-HR", "hr", "zagreb", "Gabrijela", "Srecko"),
    _loc("czech", "cs-CZ", "cs", "prague", "Vlasta", "Antonin"),
    _loc("danish", "da-DK", "da", "copenhagen", "Christel", "Jeppe"),
    _loc("estonian", "et-EE", "et", "standard estonian", "Anu", "Kert"),
    _loc("finnish", "fi-FI", "fi", "helsinki", "Noora", "Harri"),
    _loc("georgian", "ka-GE", "ka", "tbilisi", "Eka", "Giorgi"),
    _loc("greek", "el-GR", "el", "athens", "Athina", "Nestoras"),
    _loc("gujarati", "gu-IN", "gu", "ahmedabad", "Dhwani", "Niranjan"),
    _loc("hebrew", "he-IL", "he", "israeli", "Hila", "Avri"),
    _loc("hungarian", "hu-HU", "hu", "budapest", "Noemi", "Tamas"),
    _loc("icelandic", "is-IS", "is", "reykjavik", "Gudrun", "Gunnar"),
    _loc("indonesian", "id-ID", "id", "jakarta", "Gadis", "Ardi"),
    _loc("irish", "ga-IE", "ga", "connacht", "Orla", "Colm"),
    _loc("kannada", "kn-IN", "kn", "bengaluru", "Sapna", "Gagan"),
    _loc("kazakh", "kk-KZ", "kk", "almaty", "Aigul", "Daulet"),
    _loc("kyrgyz", "ky-KG", "ky", "bishkek", "Aizada", "Bakyt"),
    _loc("latvian", "lv-LV", "lv", "riga", "Everita", "Nils"),
    _loc("lithuanian", "lt-LT", "lt", "vilnius", "Ona", "Leonas"),
    _loc("luxembourgish", "lb-LU", "lb", "central luxembourgish", "Claire", "Luc"),
    _loc("macedonian", "mk-MK", "mk", "skopje", "Marija", "Aleksandar"),
    _loc("malay", "ms-MY", "ms", "kuala lumpur", "Yasmin", "Osman"),
    _loc("malayalam", "ml-IN", "ml", "kerala", "Sobhana", "Midhun"),
    _loc("maltese", "mt-MT", "mt", "valletta", "Grace", "Joseph"),
    _loc("marathi", "mr-IN", "mr", "pune", "Aarohi", "Manohar"),
    _loc("nepali", "ne-NP", "ne", "kathmandu", "Hemkala", "Sagar"),
    _loc("norwegian", "nb-NO", "nb", "oslo", "Pernille", "Finn"),
    _loc("persian", "fa-IR", "fa", "tehran", "Dilara", "Farid"),
    _loc("punjabi", "pa-IN", "pa", "amritsar", "Simran", "Harjit"),
    _loc("romanian", "ro-RO", "ro", "bucharest", "Alina", "Emil"),
    _loc("serbian", "sr-RS", "sr", "belgrade", "Jelena", "Nikola"),
    _loc("sinhala", "si-LK", "si", "colombo", "Thilini", "Sameera"),
    _loc("slovak", "sk-SK", "sk", "bratislava", "Viktoria", "Lukas"),
    _loc("slovenian", "sl-SI", "sl", "ljubljana", "Petra", "Rok"),
    _loc("swahili", "sw-KE", "sw", "nairobi", "Zuri", "Rafiki"),
    _loc("tamil", "ta-IN", "ta", "chennai", "Pallavi", "Valluvar"),
    _loc("telugu", "te-IN", "te", "hyderabad", "Shruti", "Mohan"),
    _loc("thai", "th-TH", "th", "bangkok", "Premwadee", "Niwat"),
    _loc("ukrainian", "uk-UA", "uk", "kyiv", "Polina", "Ostap"),
    _loc("urdu", "ur-PK", "ur", "lahore", "Uzma", "Asad"),
    _loc("uzbek", "uz-UZ", "uz", "tashkent", "Madina", "Sardor"),
    _loc("vietnamese", "vi-VN", "vi", "northern", "HoaiMy", "NamMinh"),
    _loc("welsh", "cy-GB", "cy", "north welsh", "Nia", "Aled"),
)

# A short greeting per language, for voice samples.
_GREETINGS: dict[str, str] = {
    "english": "Hello! It's nice to meet you. This is how I sound.",
    "spanish": "¡Hola! Es un placer conocerte. Así suena mi voz.",
    "french": "Bonjour ! C'est un plaisir de vous rencontrer. Voici ma voix.",
    "german": "Hallo! Schön, Sie kennenzulernen. So klingt meine Stimme.",
    "portuguese": "Olá! Muito prazer. É assim que a minha voz soa.",
    "italian": "Ciao! Piacere di conoscerti. Questa è la mia voce.",
    "simplified chinese": "你好！很高兴认识你。这就是我的声音。",
    "cantonese": "你好！好高興認識你。",
    "japanese": "こんにちは！はじめまして。よろしくおねがいします。",
    "korean": "안녕하세요! 만나서 반갑습니다.",
    "russian": "Здравствуйте! Приятно познакомиться. Так звучит мой голос.",
    "hindi": "नमस्ते! आपसे मिलकर खुशी हुई।",
    "arabic": "مرحبا! تشرفت بمعرفتك.",
    "dutch": "Hallo! Leuk je te ontmoeten. Zo klinkt mijn stem.",
    "polish": "Cześć! Miło cię poznać. Tak brzmi mój głos.",
    "turkish": "Merhaba! Tanıştığıma memnun oldum.",
    "swedish": "Hej! Trevligt att träffas. Så här låter min röst.",
    "afrikaans": "Hallo! Aangename kennis.",
    "albanian": "Përshëndetje! Gëzohem që ju njoh.",
    "amharic": "ሰላም! እንኳን ደህና መጡ።",
    "armenian": "Բարև ձեզ։ Ուրախ եմ ծանոթանալու համար։",
    "azerbaijani": "Salam! Tanış olmağıma şadam.",
    "basque": "Kaixo! Pozten naiz zu ezagutzeaz.",
    "belarusian": "Прывітанне! Прыемна пазнаёміцца.",
    "bengali": "নমস্কার! আপনার সাথে পরিচিত হয়ে ভালো লাগলো।",
    "bosnian": "Zdravo! Drago mi je.",
    "bulgarian": "Здравейте! Приятно ми е да се запознаем.",
    "catalan": "Hola! És un plaer conèixer-te.",
    "croatian": "Bok! Drago mi je.",
    "czech": "Dobrý den! Těší mě.",
    "danish": "Hej! Rart at møde dig.",
    "estonian": "Tere! Meeldiv tutvuda.",
    "finnish": "Hei! Hauska tutustua.",
    "georgian": "გამარჯობა! სასიამოვნოა თქვენი გაცნობა.",
    "greek": "Γεια σας! Χαίρω πολύ.",
    "gujarati": "નમસ્તે! તમને મળીને આનંદ થયો.",
    "hebrew": "שלום! נעים להכיר.",
    "hungarian": "Szia! Örülök, hogy megismerhetlek.",
    "icelandic": "Halló! Gaman að kynnast þér.",
    "indonesian": "Halo! Senang bertemu dengan Anda.",
    "irish": "Dia duit! Is deas bualadh leat.",
    "kannada": "ನಮಸ್ಕಾರ! ನಿಮ್ಮನ್ನು ಭೇಟಿಯಾಗಿ ಸಂತೋಷವಾಯಿತು.",
    "kazakh": "Сәлеметсіз бе! Танысқаныма қуаныштымын.",
    "kyrgyz": "Салам! Таанышканыма кубанычтамын.",
    "latvian": "Sveiki! Prieks iepazīties.",
    "lithuanian": "Labas! Malonu susipažinti.",
    "luxembourgish": "Moien! Et freet mech.",
    "macedonian": "Здраво! Драго ми е.",
    "malay": "Helo! Gembira berjumpa dengan anda.",
    "malayalam": "നമസ്കാരം! കണ്ടതിൽ സന്തോഷം.",
    "maltese": "Bonġu! Għandi pjaċir.",
    "marathi": "नमस्कार! तुम्हाला भेटून आनंद झाला.",
    "nepali": "नमस्ते! तपाईंलाई भेटेर खुसी लाग्यो।",
    "norwegian": "Hei! Hyggelig å møte deg.",
    "persian": "سلام! از آشنایی با شما خوشوقتم.",
    "punjabi": "ਸਤ ਸ੍ਰੀ ਅਕਾਲ! ਤੁਹਾਨੂੰ ਮਿਲ ਕੇ ਖੁਸ਼ੀ ਹੋਈ।",
    "romanian": "Bună ziua! Mă bucur să vă cunosc.",
    "serbian": "Zdravo! Drago mi je.",
    "sinhala": "ආයුබෝවන්! ඔබව හමුවීම සතුටක්.",
    "slovak": "Dobrý deň! Teší ma.",
    "slovenian": "Pozdravljeni! Me veseli.",
    "swahili": "Habari! Nafurahi kukutana nawe.",
    "tamil": "வணக்கம்! உங்களை சந்தித்ததில் மகிழ்ச்சி.",
    "telugu": "నమస్కారం! మిమ్మల్ని కలవడం సంతోషంగా ఉంది.",
    "thai": "สวัสดี! ยินดีที่ได้รู้จัก",
    "ukrainian": "Привіт! Приємно познайомитися.",
    "urdu": "السلام علیکم! آپ سے مل کر خوشی ہوئی۔",
    "uzbek": "Salom! Tanishganimdan xursandman.",
    "vietnamese": "Xin chào! Rất vui được gặp bạn.",
    "welsh": "Helo! Braf cwrdd â chi.",
}

# espeak-ng variants per gender and age; a voice takes the next one in its list.
_VARIANTS: dict[tuple[str, str], tuple[str, ...]] = {
    ("female", "young"): ("f3", "f2", "f4"),
    ("female", "middle_aged"): ("f1", "f4", "f5"),
    ("female", "old"): ("grandma", "f5"),
    ("male", "young"): ("m3", "m1", "m6"),
    ("male", "middle_aged"): ("m2", "m4", "m7"),
    ("male", "old"): ("grandpa", "m5"),
}
# (base rate in words per minute, base pitch 0..100) per age band.
_DELIVERY: dict[str, tuple[int, int]] = {"young": (180, 58), "middle_aged": (168, 48), "old": (152, 40)}


def _build() -> tuple[VoiceProfile, ...]:
    voices: list[VoiceProfile] = []
    for locale_index, spec in enumerate(_LOCALES):
        people = [(name, "female") for name in spec.female] + [(name, "male") for name in spec.male]
        for person_index, (name, gender) in enumerate(people):
            serial = len(voices)
            # Ages rotate per locale so that every language with three or more voices spans all
            # three bands and the two-voice languages still cover them across the catalog.
            age = AGES[(locale_index + person_index) % len(AGES)]
            variants = _VARIANTS[(gender, age)]
            variant = variants[(locale_index + person_index) % len(variants)]
            base_rate, base_pitch = _DELIVERY[age]
            voices.append(VoiceProfile(
                voice_id=f"{spec.locale}-{name}Local",
                name=name,
                language=spec.language,
                locale=spec.locale,
                gender=gender,
                age=age,
                accent=spec.accent,
                use_case=USE_CASES[serial % len(USE_CASES)],
                espeak_voice=f"{spec.espeak}+{variant}",
                rate=base_rate + (serial * 7) % 15 - 7,
                pitch=base_pitch + (serial * 5) % 11 - 5,
            ))
    return tuple(voices)


_CATALOG: tuple[VoiceProfile, ...] = _build()
_BY_ID: dict[str, VoiceProfile] = {voice.voice_id: voice for voice in _CATALOG}

# First names of well-known cloud (Azure neural) voices and their gender, for mapping cloud ids.
def _gendered(names: str, gender: str) -> dict[str, str]:
    return dict.fromkeys(names.split(), gender)


_CLOUD_NAME_GENDERS: dict[str, str] = {
    **_gendered(
        "christopher guy eric davis andrew brian tony jason roger steffan ryan thomas alfie elliot "
        "ethan noah oliver liam william kai brandon jacob conrad killian henri remy alvaro jorge "
        "antonio diego giuseppe yunxi yunjian yunyang yunhao keita daichi injoon hyunsu dmitry "
        "madhur hamed maarten marek ahmet mattias wanlung prabhat valluvar", "male"),
    **_gendered(
        "jenny aria ava emma michelle sara ana amber ashley cora elizabeth jane monica nancy sonia "
        "libby maisie natasha clara katja amala denise eloise elvira dalia francisca thalita elsa "
        "isabella xiaoxiao xiaoyi xiaochen xiaohan xiaomo xiaoxuan nanami aoi sunhi svetlana "
        "dariya swara zariyah colette fenna zofia agnieszka emel sofie hillevi hiugaai hiumaan "
        "neerja", "female"),
}
# Only the cloud's own shape maps: `en-US-ChristopherNeural`, `en-US-AvaMultilingualNeural`. Anything
# looser ("no-such-voice", a typo of a local id) must stay unknown (10104) rather than guess a voice.
_CLOUD_ID = re.compile(r"^(?P<lang>[a-z]{2,3})-(?P<region>[A-Z]{2}|[0-9]{3})"
                       r"-(?P<name>[A-Z][A-Za-z]*?)(?:Multilingual)?Neural$")


def all_voices() -> tuple[VoiceProfile, ...]:
    """Every voice in the catalog, in a stable order (grouped by locale)."""
    return _CATALOG


def find_voice(voice_id: str) -> VoiceProfile | None:
    """The voice with exactly this id; else, for a cloud-style id such as `en-US-ChristopherNeural`,
    the local voice it maps to (see the module docstring); None for anything else."""
    voice = _BY_ID.get(voice_id)
    if voice is not None:
        return voice
    return _map_cloud_id(voice_id.strip()) if isinstance(voice_id, str) else None


@cache
def _map_cloud_id(voice_id: str) -> VoiceProfile | None:
    match = _CLOUD_ID.fullmatch(voice_id)
    if match is None:
        return None
    lang = match["lang"]
    locale = f"{lang}-{match['region']}".lower()
    name = match["name"]
    candidates = ([v for v in _CATALOG if v.locale.lower() == locale]
                  or [v for v in _CATALOG if v.locale.split("-")[0].lower() == lang])
    if not candidates:  # a language the engine does not speak: unknown, not silently English
        return None
    same_name = [v for v in candidates if v.name.lower() == name.lower()]
    if same_name:
        return same_name[0]
    gender = _CLOUD_NAME_GENDERS.get(name.lower())
    if gender is not None:
        candidates = [v for v in candidates if v.gender == gender] or candidates
    return candidates[zlib.crc32(voice_id.encode("utf-8")) % len(candidates)]


def filter_voices(*, gender: str | None = None, language: str | None = None, age: str | None = None,
                  use_case: str | None = None) -> list[VoiceProfile]:
    """Voices matching every given filter, in catalog order. Empty or None means no filter.

    Spellings are forgiving, as JoggAI's own guide uses them: `Male`/`female`; a language as its
    lower-case English name (`english`, or `chinese` for `simplified chinese`), a locale (`en-US`,
    `en_us`) or a bare language code (`en`);
    `middle-aged` for `middle_aged`."""
    wanted_gender = _norm(gender)
    wanted_age = _norm(age).replace("-", "_").replace(" ", "_")
    wanted_use = _norm(use_case).replace("-", "_").replace(" ", "_")
    wanted_language = _norm(language).replace("_", "-")
    return [
        voice for voice in _CATALOG
        if (not wanted_gender or voice.gender == wanted_gender)
        and (not wanted_age or voice.age == wanted_age)
        and (not wanted_use or voice.use_case == wanted_use)
        and (not wanted_language or _speaks(voice, wanted_language))
    ]


def _norm(value: str | None) -> str:
    return (value or "").strip().casefold()


def _speaks(voice: VoiceProfile, language: str) -> bool:
    locale = voice.locale.casefold()
    # "chinese" finds "simplified chinese"; whole words only, so "english" never finds more.
    return language in (voice.language, locale, locale.split("-")[0], *voice.language.split())


def sample_text(voice: VoiceProfile) -> str:
    """A short greeting in the voice's language, for its sample clip."""
    return _GREETINGS.get(voice.language, _GREETINGS["english"])
