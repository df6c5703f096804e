// Interface texts in Finnish, Swedish and English. The public service map is translated in full;
// staff pages fall back to English where a text has no translation yet.

const TEXTS = {
  fi: {
    skip: "Siirry sisältöön", language: "Kieli", serviceMap: "Palvelukartta", signIn: "Kirjaudu", signOut: "Kirjaudu ulos",
    boxOffice: "Lipunmyynti", cards: "Kortit", coordinator: "Koordinointi", statistics: "Tilastot",
    mapTitle: "Maksuttomat vapaa-ajan palvelut", mapIntro: "Hae kulttuuri-, liikunta- ja hyvinvointipalveluja, joita kortilla saa maksutta. Kirjautumista ei tarvita.",
    search: "Hae", searchWords: "Hakusanat", category: "Teema", kind: "Tarjouksen tyyppi", municipality: "Kunta",
    venueLanguage: "Palvelukieli", dateFrom: "Alkaen", dateTo: "Päättyen", placesLeftOnly: "Vain ne, joissa on paikkoja",
    sort: "Järjestys", newest: "Uusimmat", soonest: "Pian alkavat", any: "Kaikki", results: "Tulokset",
    noResults: "Hakuehdoilla ei löytynyt tarjouksia.", more: "Näytä lisää", placesLeft: (n) => (n === 1 ? "1 paikka jäljellä" : `${n} paikkaa jäljellä`),
    noPlacesLeft: "Ei paikkoja jäljellä", unlimited: "Ei paikkarajoitusta", openNow: "Avoinna nyt", from: "alkaen",
    venueDetails: "Paikan tiedot", hideDetails: "Piilota tiedot", address: "Osoite", accessibility: "Esteettömyys",
    languages: "Palvelukielet", acceptedCards: "Käy kortit", ticketsPerVisit: (n) => (n === 1 ? "1 lippu kerralla" : `enintään ${n} lippua kerralla`),
    found: (n) => `${n} tarjousta näkyvissä`,
    culture: "kulttuuri", sport: "liikunta", course: "kurssi", wellbeing: "hyvinvointi", other: "muu",
    free_ticket: "maksuton lippu", course_place: "kurssipaikka", free_entry: "maksuton sisäänpääsy",
  },
  sv: {
    skip: "Hoppa till innehållet", language: "Språk", serviceMap: "Servicekarta", signIn: "Logga in", signOut: "Logga ut",
    boxOffice: "Biljettkassa", cards: "Kort", coordinator: "Koordinering", statistics: "Statistik",
    mapTitle: "Avgiftsfria fritidstjänster", mapIntro: "Sök kultur-, motions- och välmåendetjänster som är gratis med kortet. Ingen inloggning behövs.",
    search: "Sök", searchWords: "Sökord", category: "Tema", kind: "Typ av erbjudande", municipality: "Kommun",
    venueLanguage: "Betjäningsspråk", dateFrom: "Från", dateTo: "Till", placesLeftOnly: "Endast med lediga platser",
    sort: "Ordning", newest: "Nyaste", soonest: "Börjar snart", any: "Alla", results: "Resultat",
    noResults: "Inga erbjudanden motsvarar sökningen.", more: "Visa fler", placesLeft: (n) => (n === 1 ? "1 plats kvar" : `${n} platser kvar`),
    noPlacesLeft: "Inga platser kvar", unlimited: "Ingen platsbegränsning", openNow: "Öppet nu", from: "från",
    venueDetails: "Om platsen", hideDetails: "Dölj uppgifterna", address: "Adress", accessibility: "Tillgänglighet",
    languages: "Betjäningsspråk", acceptedCards: "Godkända kort", ticketsPerVisit: (n) => (n === 1 ? "1 biljett per gång" : `högst ${n} biljetter per gång`),
    found: (n) => `${n} erbjudanden visas`,
    culture: "kultur", sport: "motion", course: "kurs", wellbeing: "välmående", other: "annat",
    free_ticket: "gratis biljett", course_place: "kursplats", free_entry: "gratis inträde",
  },
  en: {
    skip: "Skip to content", language: "Language", serviceMap: "Service map", signIn: "Sign in", signOut: "Sign out",
    boxOffice: "Box office", cards: "Cards", coordinator: "Coordination", statistics: "Statistics",
    mapTitle: "Free leisure services", mapIntro: "Find culture, sport and wellbeing services that are free with the card. No sign-in needed.",
    search: "Search", searchWords: "Search words", category: "Theme", kind: "Kind of offer", municipality: "Municipality",
    venueLanguage: "Language served", dateFrom: "From", dateTo: "Until", placesLeftOnly: "Only with places left",
    sort: "Order", newest: "Newest", soonest: "Starting soon", any: "Any", results: "Results",
    noResults: "No offers match the search.", more: "Show more", placesLeft: (n) => (n === 1 ? "1 place left" : `${n} places left`),
    noPlacesLeft: "No places left", unlimited: "No limit on places", openNow: "Open now", from: "from",
    venueDetails: "Venue details", hideDetails: "Hide details", address: "Address", accessibility: "Accessibility",
    languages: "Languages served", acceptedCards: "Cards accepted", ticketsPerVisit: (n) => (n === 1 ? "1 ticket a visit" : `up to ${n} tickets a visit`),
    found: (n) => `${n} offers shown`,
    culture: "culture", sport: "sport", course: "course", wellbeing: "wellbeing", other: "other",
    free_ticket: "free ticket", course_place: "course place", free_entry: "free entry",
  },
};

const KEY = "leisure.language";

export function language() {
  const chosen = localStorage.getItem(KEY);
  return chosen in TEXTS ? chosen : "fi";
}

export function setLanguage(code) {
  localStorage.setItem(KEY, code);
  document.documentElement.lang = code;
}

export function t(key, ...args) {
  const text = TEXTS[language()][key] ?? TEXTS.en[key] ?? key;
  return typeof text === "function" ? text(...args) : text;
}

/** The text in the chosen language, else Finnish, Swedish, English in that order. */
export function pick(localized) {
  if (!localized) return "";
  return localized[language()] ?? localized.fi ?? localized.sv ?? localized.en ?? "";
}

export function formatDate(iso, withTime = true) {
  const options = withTime ? { dateStyle: "medium", timeStyle: "short" } : { dateStyle: "medium" };
  return new Intl.DateTimeFormat(`${language()}-FI`, { ...options, timeZone: "Europe/Helsinki" }).format(new Date(iso));
}
