//! Built-in boilerplate lines: site widgets, advertising markers, share and subscribe
//! prompts, cookie notices, navigation and related-content lines, in English, German,
//! French, Spanish, Italian, Portuguese and Dutch.
//!
//! # What it does
//! Decides whether one **whole line** is page furniture rather than text. A line matches
//! only as a whole, after [normalization](crate::text) and after stripping decoration
//! around it (bullets, arrows, pipes, colons, trailing dots): "Read more" is boilerplate,
//! "Read more about the trial in our archive." is not. Nothing inside a sentence is ever
//! removed.
//!
//! # Why
//! These lines are what scrapers keep from the page around an article; they carry no
//! content, repeat across a site's pages, and in a repeated-body document like
//! `shared/fixtures/seed/raw.txt` one of them ("More From This Section") separates the two
//! copies. Published pipelines catch them only by accident (C4's terminal-punctuation rule
//! also drops real lines; FineWeb keeps them).
//!
//! # Rules, in the order tried
//! 1. `phrase`: the stripped line equals a phrase of the list below.
//! 2. `copyright`: a line of at most 20 words with `©`/`(c)`/"copyright" and a rights phrase
//!    ("All rights reserved", "Alle Rechte vorbehalten", …), or just `©` and at most 12 words.
//! 3. `navigation`: three or more segments split by ` | `, ` · ` or ` • `, each of at most
//!    four words and none ending a sentence; or a breadcrumb ("Home > News").
//! 4. `dateline`: "Published/Updated/Veröffentlicht am/Publié le/…" followed by at most eight
//!    words that contain a digit.
//! 5. `social`: at most 15 words, starting with a prompt ("follow", "share", "sign up",
//!    "join us", "like us", …) and naming a platform or a newsletter; or at most 10 words
//!    starting with a prompt that needs no platform ("Click here …", "Subscribe to …").
//! 6. `cookie`: at most 60 words, the word "cookie(s)", a notice phrase ("we use cookies",
//!    "accept all", "Wir verwenden Cookies", …) and a word about the site or the visit
//!    ("site", "browsing", "experience", "Website", "navigation", …); a sentence about HTTP
//!    cookies in technical prose has no such word. Phrases match at word boundaries.
//!
//! The templated rules (2–5, 7–9) only look at lines of at most 200 bytes: word counts say
//! little about scripts written without spaces.
//! 7. `phrase` (composite): two or more phrases of the list joined by ` - `, ` | `, ` / `,
//!    ` · `, ` • ` or `: ` ("ADVERTISEMENT - CONTINUE READING BELOW").
//! 8. `tags`: a tag or topic label and a colon ("Tags: Syria, Russia", "Themen: …"), at most
//!    20 words.
//! 9. `related_link`: a related-content label followed by a colon ("Read more: …",
//!    "Lesen Sie auch: …", "Leggi anche: …") and at most 20 words that do not end a
//!    sentence with a full stop (a link title, not prose).
//!
//! Lines that legitimately repeat inside an article ("Thank you.", "(Applause)") are not on
//! the list: repetition alone never makes a line boilerplate.

use std::collections::HashSet;
use std::sync::OnceLock;

/// Exact phrases, compared with the normalized, stripped line.
const PHRASES: &[&str] = &[
    // English
    "advertisement",
    "advertisements",
    "advertising",
    "ad",
    "sponsored",
    "sponsored content",
    "sponsored stories",
    "promoted stories",
    "paid content",
    "story continues below advertisement",
    "article continues below advertisement",
    "article continues below",
    "story continues below",
    "continue reading below",
    "continue reading",
    "continue reading the main story",
    "scroll to continue with content",
    "read more",
    "read more stories",
    "read the full story",
    "more from this section",
    "more on this story",
    "more stories",
    "more news",
    "related",
    "related articles",
    "related stories",
    "related content",
    "related posts",
    "related news",
    "related coverage",
    "you may also like",
    "you might also like",
    "recommended",
    "recommended for you",
    "recommended stories",
    "most popular",
    "most read",
    "most viewed",
    "trending",
    "trending now",
    "top stories",
    "latest news",
    "editor's picks",
    "don't miss",
    "share",
    "share this",
    "share this article",
    "share this story",
    "share this post",
    "share on facebook",
    "share on twitter",
    "share on linkedin",
    "share on whatsapp",
    "share via email",
    "tweet",
    "email",
    "email this story",
    "email this article",
    "print",
    "print this article",
    "print this page",
    "comments",
    "comments are closed",
    "leave a comment",
    "join the conversation",
    "view comments",
    "show comments",
    "skip to main content",
    "skip to content",
    "skip to navigation",
    "menu",
    "main menu",
    "toggle navigation",
    "open menu",
    "close menu",
    "breaking news",
    "listen to this article",
    "listen to this story",
    "back to top",
    "return to top",
    "subscribe",
    "subscribe now",
    "sign in",
    "log in",
    "login",
    "sign up",
    "register",
    "subscribe | sign in",
    "sign in | subscribe",
    "newsletter",
    "sign up for our newsletter",
    "get our newsletter",
    "terms of use",
    "terms of service",
    "privacy policy",
    "cookie policy",
    "cookie settings",
    "accept cookies",
    "accept all cookies",
    "accept all",
    "manage cookies",
    "all rights reserved",
    "load more",
    "show more",
    "see more",
    "view more",
    "click to expand",
    "loading",
    "follow us",
    "follow us on twitter",
    "follow us on facebook",
    "image",
    "photo",
    "video",
    "watch",
    "play video",
    "close",
    "search",
    "home",
    "next article",
    "previous article",
    "next story",
    "previous story",
    "back to news",
    "advertise with us",
    "contact us",
    "about us",
    // German
    "anzeige",
    "werbung",
    "weiterlesen",
    "weiterlesen nach der anzeige",
    "lesen sie nach der anzeige weiter",
    "mehr zum thema",
    "mehr aus diesem ressort",
    "mehr lesen",
    "das könnte sie auch interessieren",
    "auch interessant",
    "lesen sie auch",
    "artikel teilen",
    "teilen",
    "drucken",
    "artikel drucken",
    "kommentare",
    "kommentare geschlossen",
    "zum inhalt springen",
    "zum hauptinhalt springen",
    "zum seitenanfang",
    "nach oben",
    "artikel anhören",
    "newsletter abonnieren",
    "jetzt abonnieren",
    "abonnieren",
    "anmelden",
    "einloggen",
    "registrieren",
    "meistgelesen",
    "meistgelesene artikel",
    "empfohlene artikel",
    "ähnliche artikel",
    "verwandte artikel",
    "startseite",
    "zur startseite",
    "menü",
    "suche",
    "schließen",
    "alle rechte vorbehalten",
    "auf facebook teilen",
    "auf twitter teilen",
    "per e-mail teilen",
    "per e-mail versenden",
    "top-themen",
    "impressum",
    "datenschutz",
    "datenschutzerklärung",
    "mehr anzeigen",
    // French
    "publicité",
    "pub",
    "lire la suite",
    "lire aussi",
    "à lire aussi",
    "a lire aussi",
    "plus dans cette rubrique",
    "sur le même sujet",
    "dans la même rubrique",
    "partager cet article",
    "partager",
    "imprimer",
    "commentaires",
    "aller au contenu principal",
    "aller au contenu",
    "retour en haut",
    "haut de page",
    "écouter cet article",
    "abonnez-vous à notre newsletter",
    "abonnez-vous",
    "s'abonner",
    "se connecter",
    "connexion",
    "inscrivez-vous à notre newsletter",
    "la suite après cette publicité",
    "la suite après la publicité",
    "articles similaires",
    "articles liés",
    "les plus lus",
    "tous droits réservés",
    "fermer",
    "accueil",
    "partager sur facebook",
    "partager sur twitter",
    "envoyer par e-mail",
    "voir aussi",
    "vous aimerez aussi",
    "à la une",
    "suivez-nous",
    "mentions légales",
    "voir plus",
    "recherche",
    // Spanish
    "publicidad",
    "anuncio",
    "leer más",
    "sigue leyendo",
    "sigue leyendo después del anuncio",
    "continúa leyendo",
    "continuar leyendo",
    "más de esta sección",
    "noticias relacionadas",
    "artículos relacionados",
    "compartir",
    "compartir este artículo",
    "compartir en facebook",
    "compartir en twitter",
    "imprimir",
    "comentarios",
    "saltar al contenido",
    "saltar al contenido principal",
    "ir al contenido",
    "volver arriba",
    "volver al inicio",
    "escuchar este artículo",
    "escuchar noticia",
    "suscríbete a nuestro boletín",
    "suscríbete",
    "suscribirse",
    "iniciar sesión",
    "regístrate",
    "lo más leído",
    "te puede interesar",
    "también te puede interesar",
    "todos los derechos reservados",
    "cerrar",
    "inicio",
    "ver más",
    "contenido patrocinado",
    "síguenos",
    "buscar",
    // Italian
    "pubblicità",
    "leggi anche",
    "leggi tutto",
    "leggi di più",
    "continua a leggere",
    "continua a leggere dopo la pubblicità",
    "altro da questa sezione",
    "articoli correlati",
    "condividi",
    "condividi questo articolo",
    "condividi su facebook",
    "condividi su twitter",
    "stampa",
    "commenti",
    "vai al contenuto",
    "vai al contenuto principale",
    "torna su",
    "torna all'inizio",
    "ascolta questo articolo",
    "iscriviti alla newsletter",
    "abbonati",
    "accedi",
    "registrati",
    "i più letti",
    "più letti",
    "potrebbe interessarti anche",
    "ti potrebbe interessare",
    "tutti i diritti riservati",
    "chiudi",
    "contenuto sponsorizzato",
    "seguici",
    "cerca",
    "mostra di più",
    // Portuguese
    "publicidade",
    "anúncio",
    "leia mais",
    "leia também",
    "continue lendo",
    "continua depois da publicidade",
    "continua após a publicidade",
    "continua depois do anúncio",
    "mais desta seção",
    "mais desta secção",
    "notícias relacionadas",
    "artigos relacionados",
    "compartilhe",
    "compartilhe este artigo",
    "compartilhar",
    "partilhar",
    "partilhe este artigo",
    "comentários",
    "pular para o conteúdo",
    "ir para o conteúdo",
    "saltar para o conteúdo",
    "voltar ao topo",
    "ouça este artigo",
    "ouvir este artigo",
    "assine nossa newsletter",
    "assine a nossa newsletter",
    "assine",
    "entrar",
    "mais lidas",
    "as mais lidas",
    "mais lidos",
    "você pode gostar",
    "todos os direitos reservados",
    "fechar",
    "veja também",
    "saiba mais",
    "siga-nos",
    "pesquisar",
    // Dutch
    "advertentie",
    "lees verder",
    "lees meer",
    "lees ook",
    "meer over dit onderwerp",
    "meer uit deze rubriek",
    "meer nieuws",
    "gerelateerde artikelen",
    "gerelateerd",
    "deel dit artikel",
    "delen",
    "deel op facebook",
    "deel op twitter",
    "afdrukken",
    "printen",
    "reacties",
    "ga naar de inhoud",
    "naar inhoud",
    "direct naar de inhoud",
    "terug naar boven",
    "beluister dit artikel",
    "luister naar dit artikel",
    "schrijf je in voor onze nieuwsbrief",
    "abonneer je",
    "abonneren",
    "inloggen",
    "meest gelezen",
    "alle rechten voorbehouden",
    "sluiten",
    "gesponsord",
    "bekijk ook",
    "dit vind je misschien ook leuk",
    "volg ons",
    "zoeken",
];

/// Labels that introduce a link to other content ("Read more: …").
pub(crate) const RELATED_LABELS: &[&str] = &[
    "related",
    "related article",
    "related articles",
    "related story",
    "related stories",
    "related coverage",
    "read more",
    "read also",
    "also read",
    "read next",
    "see also",
    "recommended",
    "more on this",
    "more",
    "watch",
    "listen",
    "lesen sie auch",
    "lesen sie mehr",
    "mehr zum thema",
    "auch interessant",
    "siehe auch",
    "lire aussi",
    "à lire aussi",
    "a lire aussi",
    "voir aussi",
    "lire la suite",
    "lea también",
    "lee también",
    "leer más",
    "te puede interesar",
    "relacionado",
    "relacionada",
    "leggi anche",
    "leggi",
    "vedi anche",
    "leia também",
    "leia mais",
    "veja também",
    "saiba mais",
    "lees ook",
    "lees meer",
    "bekijk ook",
    "zie ook",
];

/// Labels of a tag or topic line ("Tags: Syria, Russia").
const TAG_LABELS: &[&str] = &[
    "tags",
    "tag",
    "topics",
    "filed under",
    "categories",
    "category",
    "themen",
    "schlagwörter",
    "schlagworte",
    "mots-clés",
    "mots clés",
    "thèmes",
    "etiquetas",
    "temas",
    "argomenti",
    "tag correlati",
    "assuntos",
    "tópicos",
    "onderwerpen",
    "trefwoorden",
];

const RIGHTS: &[&str] = &[
    "riproduzione riservata",
    "all rights reserved",
    "alle rechte vorbehalten",
    "tous droits réservés",
    "todos los derechos reservados",
    "tutti i diritti riservati",
    "todos os direitos reservados",
    "alle rechten voorbehouden",
];

const HOME_WORDS: &[&str] = &[
    "home",
    "startseite",
    "start",
    "accueil",
    "inicio",
    "início",
    "portada",
    "homepage",
];

const DATELINE_PREFIXES: &[&str] = &[
    "published",
    "published on",
    "updated",
    "last updated",
    "posted",
    "posted on",
    "first published",
    "veröffentlicht",
    "veröffentlicht am",
    "aktualisiert",
    "aktualisiert am",
    "zuletzt aktualisiert",
    "publié le",
    "mis à jour le",
    "publié",
    "publicado el",
    "actualizado el",
    "publicado em",
    "atualizado em",
    "publicado",
    "pubblicato il",
    "aggiornato il",
    "pubblicato",
    "gepubliceerd op",
    "bijgewerkt op",
    "gepubliceerd",
];

const PROMPTS: &[&str] = &[
    "follow",
    "share",
    "click here",
    "sign up",
    "subscribe",
    "join us",
    "like us",
    "connect with",
    "find us",
    "download our",
    "download the",
    "join our",
    "have a news tip",
    "got a news tip",
    "folgen sie",
    "folge uns",
    "teilen sie",
    "abonnieren sie",
    "melden sie sich",
    "suivez",
    "abonnez",
    "inscrivez",
    "partagez",
    "síguenos",
    "siga",
    "suscríbete",
    "comparte",
    "seguici",
    "iscriviti",
    "condividi",
    "siga-nos",
    "assine",
    "compartilhe",
    "volg",
    "abonneer",
    "schrijf je in",
    "deel",
];

/// Prompts that make a short line (at most 10 words) a widget on their own.
const SELF_PROMPTS: &[&str] = &[
    "click to",
    "click here",
    "tap here",
    "subscribe to",
    "sign up for",
    "sign up to",
    "hier klicken",
    "klicken sie hier",
    "abonnieren sie",
    "cliquez ici",
    "abonnez-vous",
    "haga clic aquí",
    "haz clic aquí",
    "suscríbete",
    "clicca qui",
    "iscriviti",
    "clique aqui",
    "assine",
    "klik hier",
    "abonneer je",
];

/// Single words naming where a prompt sends the reader.
const PLATFORMS: &[&str] = &[
    "facebook",
    "twitter",
    "instagram",
    "linkedin",
    "whatsapp",
    "telegram",
    "youtube",
    "tiktok",
    "pinterest",
    "reddit",
    "bluesky",
    "mastodon",
    "newsletter",
    "newsletters",
    "nieuwsbrief",
    "boletín",
    "email",
    "rss",
    "newsroom",
    "tip",
    "flipboard",
    "app",
];

/// Words (as word prefixes) that tie a line about cookies to the site being browsed: a
/// consent notice names the site or the reader's visit, a text about HTTP cookies does not.
const COOKIE_SITE: &[&str] = &[
    "site",
    "website",
    "webseite",
    "web",
    "page",
    "seite",
    "sitio",
    "sito",
    "browse",
    "browsing",
    "navigat",
    "navega",
    "poursuivant",
    "continuing",
    "experience",
    "expérience",
    "experiencia",
    "esperienza",
    "experiência",
    "ervaring",
    "nutzererlebnis",
    "nutzung",
    "surfen",
    "bezoek",
];

/// Phrases that make a line about cookies a consent notice rather than a recipe.
const COOKIE_CONTEXT: &[&str] = &[
    "use cookies",
    "uses cookies",
    "use of cookies",
    "using cookies",
    "accept cookies",
    "accept all",
    "cookie policy",
    "cookies policy",
    "cookie settings",
    "cookie preferences",
    "consent",
    "verwenden cookies",
    "verwendet cookies",
    "nutzt cookies",
    "nutzen cookies",
    "setzt cookies",
    "verwendung von cookies",
    "einverstanden",
    "utilise des cookies",
    "utilisons des cookies",
    "utilisation des cookies",
    "utilise les cookies",
    "utilizamos cookies",
    "utiliza cookies",
    "uso de cookies",
    "utilizza cookie",
    "utilizziamo cookie",
    "uso dei cookie",
    "usamos cookies",
    "gebruikt cookies",
    "gebruiken cookies",
    "cookies gebruiken",
    "akkoord",
];

fn phrase_set() -> &'static HashSet<&'static str> {
    static SET: OnceLock<HashSet<&'static str>> = OnceLock::new();
    SET.get_or_init(|| PHRASES.iter().copied().collect())
}

/// Strips what surrounds the words of a widget line: bullets, arrows, pipes, brackets,
/// colons, trailing dots and the like.
pub(crate) fn strip_decoration(s: &str) -> &str {
    s.trim_matches(|c: char| {
        c.is_whitespace()
            || matches!(
                c,
                '.' | ':'
                    | '!'
                    | '|'
                    | '>'
                    | '<'
                    | '-'
                    | '*'
                    | '•'
                    | '·'
                    | '›'
                    | '»'
                    | '«'
                    | '‹'
                    | '→'
                    | '←'
                    | '▶'
                    | '►'
                    | '▸'
                    | '+'
                    | '#'
                    | '['
                    | ']'
                    | '('
                    | ')'
                    | '/'
                    | '='
                    | '~'
                    | '"'
                    | '\''
                    | '✓'
                    | '✔'
                    | '❯'
                    | '↑'
                    | '⬆'
            )
    })
}

/// Words of a normalized string (single spaces, no edges), counted as spaces + 1.
fn word_count(s: &str) -> usize {
    let s = s.trim();
    if s.is_empty() {
        0
    } else {
        1 + s.bytes().filter(|&b| b == b' ').count()
    }
}

fn has(hay: &str, needle: &str) -> bool {
    // Short lines are the common case here: a plain search beats building a searcher.
    if hay.len() < 256 {
        hay.contains(needle)
    } else {
        memchr::memmem::find(hay.as_bytes(), needle.as_bytes()).is_some()
    }
}

/// Whether any of `prefixes` starts `s` as whole words, looking only at those whose first
/// byte matches (most lines start with a letter no prompt starts with).
fn starts_with_any(s: &str, prefixes: &[&str]) -> bool {
    let Some(&first) = s.as_bytes().first() else {
        return false;
    };
    prefixes
        .iter()
        .any(|p| p.as_bytes().first() == Some(&first) && starts_with_word(s, p))
}

fn starts_with_word(s: &str, prefix: &str) -> bool {
    s.strip_prefix(prefix)
        .is_some_and(|rest| rest.is_empty() || !rest.starts_with(crate::text::is_word_char))
}

/// Which built-in rule, if any, says that this line is boilerplate. `norm` must be the
/// [normalized](crate::text::normalize) line.
pub fn match_line(norm: &str) -> Option<&'static str> {
    let stripped = strip_decoration(norm);
    if stripped.is_empty() {
        // A line of pure decoration ("* * *", "---") is a separator, not furniture we know.
        return None;
    }
    if stripped.len() > MAX_NOTICE_BYTES {
        return None; // longer than any widget line, cookie notices included
    }
    // Word counts say little about text without spaces (Chinese, Japanese, Thai): the
    // templated rules below also need a short line in bytes. A longer line can only be a
    // cookie notice (checked first, without counting words, for speed).
    let short = stripped.len() <= MAX_WIDGET_BYTES;
    if !short {
        return (is_cookie_notice(norm) && word_count(stripped) <= 60).then_some("cookie");
    }
    let words = word_count(stripped);
    if words > 60 {
        return None;
    }
    if words <= 8 && phrase_set().contains(stripped) {
        return Some("phrase");
    }
    if short && words <= 20 && is_copyright(norm, stripped, words) {
        return Some("copyright");
    }
    if short && words <= 40 && is_navigation(stripped) {
        return Some("navigation");
    }
    if short && words <= 10 && stripped.bytes().any(|b| b.is_ascii_digit()) {
        for p in DATELINE_PREFIXES {
            if p.as_bytes()[0] == stripped.as_bytes()[0]
                && starts_with_word(stripped, p)
                && word_count(&stripped[p.len()..]) <= 8
            {
                return Some("dateline");
            }
        }
    }
    if short
        && words <= 15
        && starts_with_any(stripped, PROMPTS)
        && crate::text::words(norm).any(|w| PLATFORMS.contains(&w))
    {
        return Some("social");
    }
    if short && words <= 10 && starts_with_any(stripped, SELF_PROMPTS) {
        return Some("social");
    }
    if is_cookie_notice(norm) {
        return Some("cookie");
    }
    if short && (2..=12).contains(&words) && is_composite(stripped) {
        return Some("phrase");
    }
    if short && words <= 20 {
        if let Some((label, rest)) = stripped.split_once(':') {
            let label = strip_decoration(label);
            if TAG_LABELS.contains(&label) && !rest.trim().is_empty() {
                return Some("tags");
            }
            // A link title, not a sentence: "See also: the man pages, which …." stays.
            let end = norm.trim_end();
            let sentence = end.ends_with('.') && !end.ends_with("...");
            // …and a title has a few words ("See also: drm_init()" is documentation).
            if RELATED_LABELS.contains(&label) && !sentence && word_count(rest.trim()) >= 3 {
                return Some("related_link");
            }
        }
    }
    None
}

fn is_cookie_notice(norm: &str) -> bool {
    has_word(norm, "cookie", false)
        && COOKIE_CONTEXT.iter().any(|c| has_word(norm, c, true))
        && COOKIE_SITE.iter().any(|c| has_word(norm, c, false))
}

/// The longest line (in bytes, after stripping) that can be a cookie notice.
const MAX_NOTICE_BYTES: usize = 600;
/// The longest line (in bytes) that the templated rules (copyright, navigation, dateline,
/// prompts, tags, related links) consider.
const MAX_WIDGET_BYTES: usize = 200;

/// A rights line ("Copyright © 2016 The Daily Courier. All rights reserved.") or a short
/// line that starts with a copyright sign or a year after one ("© 2019 Metro Herald").
fn is_copyright(norm: &str, stripped: &str, words: usize) -> bool {
    let sign = has(norm, "©") || has_word(norm, "(c)", false) || has_word(norm, "copyright", false);
    if !sign {
        return false;
    }
    if RIGHTS.iter().any(|r| has(norm, r)) {
        return true;
    }
    // "© Site", "(c) Site", or "Copyright" followed by a sign or a year (not "Copyright
    // does not cover ideas.").
    let after_sign = stripped
        .strip_prefix('©')
        .or_else(|| stripped.strip_prefix("(c)"))
        .or_else(|| {
            stripped
                .strip_prefix("copyright")
                .map(str::trim_start)
                .filter(|r| {
                    r.starts_with(['©', '(']) || r.starts_with(|c: char| c.is_ascii_digit())
                })
        });
    words <= 12
        && (after_sign.is_some()
            || norm
                .split('©')
                .skip(1)
                .any(|rest| rest.trim_start().starts_with(|c: char| c.is_ascii_digit())))
}

/// Whether `needle` occurs in `hay` starting at a word boundary (and, with `whole`, ending
/// at one too): "use cookies" is not found in "because cookies".
fn has_word(hay: &str, needle: &str, whole: bool) -> bool {
    if !has(hay, needle) {
        return false;
    }
    hay.match_indices(needle).any(|(i, m)| {
        let before = hay[..i].chars().next_back();
        let after = hay[i + m.len()..].chars().next();
        !before.is_some_and(crate::text::is_word_char)
            && (!whole || !after.is_some_and(crate::text::is_word_char))
    })
}

/// A line made only of known phrases joined by separators ("ADVERTISEMENT - CONTINUE
/// READING BELOW", "Privacy Policy | Terms of Service").
fn is_composite(s: &str) -> bool {
    if !s
        .bytes()
        .any(|b| matches!(b, b'-' | b'|' | b'/' | b':' | 0xC2 | 0xE2))
    {
        return false;
    }
    let set = phrase_set();
    [" - ", " | ", " / ", " · ", " • ", ": "]
        .iter()
        .any(|sep| s.contains(sep) && s.split(sep).all(|seg| set.contains(strip_decoration(seg))))
}

fn is_navigation(s: &str) -> bool {
    if memchr::memchr3(b'|', b'>', b'/', s.as_bytes()).is_none()
        && !s.contains(['·', '•', '»', '›'])
    {
        return false; // no separator at all
    }
    for sep in [" | ", " · ", " • "] {
        let segs: Vec<&str> = s.split(sep).collect();
        if segs.len() >= 3
            && segs.iter().all(|seg| {
                // Menu labels are words: "P(A | B) = …" is a formula, not a menu.
                let seg = seg.trim();
                !seg.is_empty()
                    && word_count(seg) <= 4
                    && !seg.ends_with(['.', '?', '!'])
                    && !seg.contains(['(', ')', '=', '+', '<', '{', '}', '[', ']'])
            })
        {
            return true;
        }
    }
    for sep in [" > ", " » ", " › ", " / "] {
        if let Some((first, rest)) = s.split_once(sep) {
            if HOME_WORDS.contains(&first.trim()) && word_count(rest) <= 8 {
                return true;
            }
        }
    }
    false
}

/// Whether `line` (not yet normalized) is a built-in boilerplate line.
pub fn is_boilerplate(line: &str) -> bool {
    match_line(&crate::text::normalize(line)).is_some()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(line: &str) -> Option<&'static str> {
        match_line(&crate::text::normalize(line))
    }

    #[test]
    fn widget_lines_in_seven_languages() {
        for l in [
            "More From This Section",
            "ADVERTISEMENT",
            "Share this article",
            "» Read more",
            "Read more …",
            "Mehr aus diesem Ressort",
            "Weiterlesen nach der Anzeige",
            "Plus dans cette rubrique",
            "La suite après cette publicité",
            "Más de esta sección",
            "Sigue leyendo después del anuncio",
            "Altro da questa sezione",
            "Continua a leggere dopo la pubblicità",
            "Mais desta seção",
            "Continua depois da publicidade",
            "Lees verder",
            "Meer uit deze rubriek",
        ] {
            assert_eq!(rule(l), Some("phrase"), "{l}");
        }
    }

    #[test]
    fn templated_lines() {
        assert_eq!(
            rule("Copyright © 2016 The Daily Courier. All rights reserved."),
            Some("copyright")
        );
        assert_eq!(
            rule("© 2019 Metro Herald. Alle Rechte vorbehalten."),
            Some("copyright")
        );
        assert_eq!(
            rule("The Daily Courier | Home | News | Sport | Business"),
            Some("navigation")
        );
        assert_eq!(
            rule("Terms of Use | Privacy Policy | Cookie Policy"),
            Some("navigation")
        );
        assert_eq!(rule("Home > Business"), Some("navigation"));
        assert_eq!(rule("Published March 3, 2016"), Some("dateline"));
        assert_eq!(rule("Veröffentlicht am 3. März 2016"), Some("dateline"));
        assert_eq!(
            rule("Follow The Valley Gazette on Facebook and Twitter."),
            Some("social")
        );
        assert_eq!(
            rule("Click here to subscribe to the Harbor Post newsletter."),
            Some("social")
        );
        assert_eq!(
            rule("Have a news tip? Contact the City Times newsroom."),
            Some("social")
        );
        assert_eq!(
            rule("We use cookies to improve your experience on our site. By continuing to browse, you agree to our use of cookies."),
            Some("cookie")
        );
        assert_eq!(
            rule("Wir verwenden Cookies, um Ihnen das beste Nutzererlebnis zu bieten."),
            Some("cookie")
        );
        assert_eq!(
            rule("Related: Kerry and Lavrov to meet in Laos"),
            Some("related_link")
        );
        assert_eq!(
            rule("Leggi anche: Il governo approva la riforma"),
            Some("related_link")
        );
    }

    #[test]
    fn real_sentences_are_not_boilerplate() {
        for l in [
            "Read more about the trial in our archive of court reporting.",
            "Follow the money, the investigators said.",
            "The advertisement ran for three weeks before it was pulled.",
            "Copyright law has not kept pace with the internet, she argued in her new book.",
            "She baked cookies for the whole site crew every Friday, and everyone loved the experience of the smell.",
            "Thank you.",
            "(Applause)",
            "2 eggs",
            "* * *",
            "Published in 1851, the novel sold poorly at first but later became a classic of American literature.",
            "Share prices fell 3% on Monday.",
            "Stand up for 5 minutes every hour.",
            "Because cookies are finite in size, wrapping/overflow is possible.",
            "Copyright does not cover ideas.",
            "copyright notice carried by the various flavors of...",
            "See also: drm_writeback_connector_init()",
            "P(A | B) = P(B | A) P(A) / P(B)",
            "Lorsqu'il est nécessaire d'enregistrer des données du client, on utilise des cookies HTTP.",
            "\u{2022} get the metadata information of the video/game/app content which",
            "This \u{201C}ought to be enough for anybody\u{201D} \u{A9}.",
            "移行期間は完全に透過的にできない、フランス語テキストが「Ã©」、「Ã¨」などの文字列で置き換えられた場合、これはおそらく UTF-8 にエンコードされたファイルを ISO-8859-1 で解釈して表示したということでしょう。",
            "Tags are small pieces of paper: he wrote 12 of them.",
            "See also: the Linux man pages, which are kept separately from the kernel's own documentation.",
        ] {
            assert_eq!(rule(l), None, "{l}");
        }
    }
}
