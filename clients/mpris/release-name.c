/* SPDX-License-Identifier: MIT */
/* Release names (release-name.h). One path component at a time is cut into
 * tokens (a fixed array on the stack), the tokens are classified by small
 * word lists and number shapes, and one Guess per component says what that
 * component alone tells; release_name_parse then weighs the file name against
 * its folders and the player's hints. Nothing allocates; every loop is bounded
 * by RELEASE_COMPONENT_MAX and TOK_MAX.
 *
 * Longer than our other files for a reason: the stages below (words, tokens,
 * markers, titles, one component, paths) share one token array and one Guess,
 * and the word lists they match are data; split, every stage would export
 * those internals to the others. Its unit tests and the corpus test
 * (tests/unit/test-release-name*.c) pin each stage's behaviour. */
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "release-name.h"

#define TOK_MAX 128 /* tokens read of one component; the rest is ignored */
#define WORD_MAX 23 /* longest token compared with a word list */
#define YEAR_MIN 1890
#define YEAR_MAX 2039
#define LEVELS 4 /* the file name and three folders */

/* What separates a token from the one before it. */
enum {
        SEP_SPACE = 1 << 0,
        SEP_DOT = 1 << 1,
        SEP_UNDER = 1 << 2,
        SEP_DASH = 1 << 3,        /* a dash between two tokens: x264-GRP, S01E01-E02 */
        SEP_SPACED_DASH = 1 << 4, /* " - ", "_-_", ".-." */
        SEP_OPEN = 1 << 5,        /* a bracket opened */
        SEP_HASH = 1 << 6,
        SEP_OTHER = 1 << 7, /* , + & : ; ! ? and the like, or a closing bracket */
};

typedef struct Tok {
        uint16_t off, len;
        uint8_t sep;            /* SEP_* before it */
        uint8_t depth;          /* brackets open around it */
        uint16_t group;         /* 1 + index of its outermost bracket group; 0 outside */
        int32_t num;            /* its value when it is 1 to 8 digits (optionally "v2" after), else -1 */
        uint8_t ndig;           /* digits of num */
        uint8_t tag;            /* its TagClass, found once when the component is loaded */
        char low[WORD_MAX + 1]; /* ASCII lowercase; "" when longer than WORD_MAX */
} Tok;

typedef struct Comp {
        char s[RELEASE_COMPONENT_MAX + 1];
        size_t n;
        bool spaced; /* words are separated by spaces (else by dots or underscores) */
        Tok t[TOK_MAX];
        int nt;
} Comp;

/* What one component alone says. */
typedef struct Guess {
        ReleaseType type;
        char title[RELEASE_TITLE_MAX];
        int year;
        int season, episode, episode_last;
        int ay, am, ad;
        bool strong;      /* an explicit episode marker (S01E02, 1x02, Episode 2, …) */
        bool season_only; /* a season marker without an episode: a season folder or pack */
        bool weak;        /* the episode is a bare number */
        int ntags;        /* release tags (resolution, source, codec, …) */
        bool garbage;     /* hashed, reversed or obfuscated */
        bool leading;     /* the episode is a number that opens the name: 02 - Title */
        ReleaseExtra extra;
} Guess;

/* ---------------------------------------------------------------- words */

typedef enum TagClass {
        TAG_NONE = 0,
        TAG_STRONG, /* ends a title where it stands */
        TAG_SCENE,  /* trimmed from a title's end before any cut */
        TAG_SOFT,   /* trimmed from a title's end before a tag or a marker, not before a year */
} TagClass;

static const char *const strong_words[] = {
        /* sources */
        "bluray", "blu", "bdrip", "brrip", "bdremux", "remux", "bdmux", "brmux", "bdripmux", "brripmux", "bd25", "bd50",
        "webrip", "webdl", "webdlrip", "webhd", "webcap", "webuhd", "webmux", "dlmux", "hdtv", "hdtvrip", "hdtvmux",
        "ahdtv", "pdtv", "sdtv", "dsr", "dsrip", "dthrip", "dvb", "dvbrip", "tvrip", "hdrip", "dvdrip", "dvdscr", "dvd",
        "dvdr", "dvd5", "dvd9", "dvdmux", "dvdivx", "hddvd", "r5", "r6", "cam", "camrip", "hdcam", "telesync", "hdts",
        "telecine", "screener", "vhsrip", "ppv", "ldtv", "uhdrip", "dmrip", "netflixuhd", "netflixuhdrip", "netflixhd",
        "amzn", "dsnp", "hmax", "atvp", "pcok", "ituneshd", "hditunes", "amazonhd", "webscreener", "bdrip1080p",
        "hdlight", "mhd", "brip", "bdr",
        /* video */
        "x264", "x265", "h264", "h265", "h262", "h263", "hevc", "hevc10", "avc", "xvid", "divx", "mpeg2", "mpeg4",
        "vc1", "av1", "vp9", "vp8", "10bit", "8bit", "12bit", "hi10p", "hi10", "dxva",
        /* audio */
        "aac", "aac2", "aac5", "ac3", "ac3d", "eac3", "dd5", "dd51", "dd2", "ddp", "ddp5", "ddp2", "ddp51", "dts",
        "dtshd", "dtsx", "dtses", "truehd", "atmos", "atmos7", "flac", "flac1", "flac2", "mp3", "mp2", "lpcm", "pcm",
        "opus", "vorbis", "ddex", "2ch", "5ch", "6ch", "8ch", "mpa2",
        /* picture */
        "hdr", "hdr10", "hdr10plus", "dovi", "sdr", "bt2020", "bt709", "hlg", "uhd", "fhd", "ultrahd",
};

static const char *const scene_words[] = {
        "proper", "repack", "rerip", "internal", "readnfo", "nfofix", "prooffix", "samplefix", "dirfix", "convert",
        "limited", "complete", "retail", "festival", "docu", "doku", "stv", "ws", "fs", "oar", "hq", "hfr", "3d", "hsbs",
        "hou", "hc", "hardsub", "hardcoded",
        /* editions */
        "uncut", "unrated", "uncensored", "extended", "remastered", "remaster", "restored", "upscaled", "upscale",
        "colorized", "theatrical", "directors", "director", "director's", "dc", "cut", "criterion", "collector",
        "collectors", "collector's", "edition", "imax", "alternative", "integral", "ultimate", "se", "international",
        "anniversary", "matte", "extras", "bonus",
        /* languages as only releases say them */
        "multi", "multisubs", "dubbed", "subbed", "subforced", "vostfr", "vost", "vff", "vfq", "vf2", "truefrench",
        "dublado", "legendado", "nlsubs", "swesub", "hebsubs", "fastsub",
};

static const char *const soft_words[] = {
        "web", "hd", "dl", "ts", "tc", "scr", "sd",
        "dual", "dub", "sub", "subs", "subtitles", "vf", "vo", "french", "fr", "german", "ger", "deutsch",
        "swissgerman", "ita", "italian", "eng", "english", "spanish", "esp", "espanol", "castellano", "latino", "rus",
        "russian", "ukr", "pl", "polish", "nl", "flemish", "dutch", "hindi", "tamil", "telugu", "japanese", "jap",
        "chinese", "kor", "korean", "hun", "cz",
        "nordic", "swedish", "danish", "finnish", "norwegian", "portuguese", "brazilian", "turkish", "arabic",
};

/* Folders that name a place, never a title. */
static const char *const generic_folders[] = {
        "movies", "movie", "films", "film", "tv", "tv shows", "tvshows", "tv series", "series", "shows",
        "videos", "video", "downloads", "download", "downloads finished", "complete", "completed",
        "unsorted", "incoming", "torrents", "public", "share", "shares", "mnt", "media", "home", "nas", "data",
        "library", "anime", "documentaries", "kids", "new", "temp", "tmp", "watch", "recordings", "my videos",
        "tv drop",
};

static const char *const season_words[] = {
        "season", "saison", "temporada", "temp", "tem", "stagione", "staffel", "seizoen", "sezon",
};

static const char *const episode_words[] = {
        "episode", "episodio", "episodes", "ep", "e", "cap", "capitulo", "folge",
};

static const char *const tlds[] = {
        "com", "org", "net", "tv", "to", "tc", "cc", "ru", "me", "info", "nu", "ws", "io", "co", "uk", "xyz", "in",
        "biz", "se", "pl", "fr", "de", "it", "es", "eu", "club", "site", "online", "top", "li", "is", "mx", "lol",
};

static bool in_list(const char *w, const char *const *list, size_t n) {
        if (!*w)
                return false;
        for (size_t i = 0; i < n; i++)
                if (w[0] == list[i][0] && strcmp(w, list[i]) == 0)
                        return true;
        return false;
}
#define IN(w, list) in_list((w), (list), sizeof(list) / sizeof((list)[0]))

static char lower(char c) {
        return c >= 'A' && c <= 'Z' ? (char) (c - 'A' + 'a') : c;
}

static bool is_digit(char c) {
        return c >= '0' && c <= '9';
}

static bool is_alpha(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* Token characters: ASCII letters and digits, the apostrophe, and every byte
 * of a non-ASCII character. Everything else separates. */
static bool is_tokch(unsigned char c) {
        return c >= 0x80 || is_alpha((char) c) || is_digit((char) c) || c == '\'';
}

/* Digits at s[*i…] as a number (at most 8 of them). */
static int digits(const char *s, size_t n, size_t *i, int *ndig) {
        int v = 0, k = 0;
        while (*i < n && is_digit(s[*i]) && k < 9) {
                v = v * 10 + (s[*i] - '0');
                (*i)++;
                k++;
        }
        if (ndig)
                *ndig = k;
        return k > 0 && k <= 8 ? v : -1;
}

static bool is_year(const Tok *t) {
        return t->ndig == 4 && t->num >= YEAR_MIN && t->num <= YEAR_MAX && t->len == 4;
}

static bool is_resolution(const char *w) {
        size_t n = strlen(w), i = 0;
        int k;
        if (!n)
                return false;
        if (strcmp(w, "4k") == 0 || strcmp(w, "8k") == 0 || strcmp(w, "2k") == 0)
                return true;
        int a = digits(w, n, &i, &k);
        if (a < 0)
                return false;
        if (k >= 3 && k <= 4 && i < n && (w[i] == 'p' || w[i] == 'i')) { /* 720p, 1080i, 1080p24 */
                i++;
                digits(w, n, &i, NULL);
                return i == n;
        }
        if (k >= 3 && k <= 4 && i < n && (w[i] == 'x' || w[i] == '*')) { /* 1280x720, not 2016x231 */
                i++;
                int kk;
                int h = digits(w, n, &i, &kk);
                if (h >= 240 && kk >= 3 && a >= h && a <= 3 * h) {
                        if (i < n && w[i] == 'p')
                                i++;
                        return i == n;
                }
        }
        if (i < n && strcmp(w + i, "fps") == 0) /* 48fps */
                return true;
        return false;
}

static TagClass classify(const Comp *c, int i) {
        const Tok *t = &c->t[i];
        const char *w = t->low;
        if (!*w)
                return TAG_NONE;
        if (w[0] == 'v' && is_digit(w[1]) && !w[2])
                return TAG_SCENE; /* v2: a fansub's second version */
        if (IN(w, strong_words) || is_resolution(w))
                return TAG_STRONG;
        /* H.264 arrives as "h" and "264" */
        if (strcmp(w, "h") == 0 && i + 1 < c->nt && (c->t[i + 1].num == 264 || c->t[i + 1].num == 265))
                return TAG_STRONG;
        if (IN(w, scene_words))
                return TAG_SCENE;
        if (IN(w, soft_words))
                return TAG_SOFT;
        return TAG_NONE;
}

static TagClass tag_class(const Comp *c, int i) {
        return (TagClass) c->t[i].tag;
}

/* ---------------------------------------------------------------- tokens */

static bool known_extension(const char *e, size_t n) {
        static const char *const exts[] = {
                "mkv", "mp4", "m4v", "avi", "mov", "wmv", "ts", "m2ts", "mts", "webm", "mpg", "mpeg", "mpe", "flv",
                "ogv", "ogm", "vob", "iso", "divx", "rmvb", "rm", "3gp", "asf", "mk3d", "mp2", "m2v", "srt", "sub",
                "idx", "ass", "ssa", "nfo", "nzb", "torrent", "part", "wtv", "dvr-ms", "strm", "f4v", "y4m",
        };
        char low[8];
        if (n == 0 || n >= sizeof low)
                return false;
        for (size_t i = 0; i < n; i++)
                low[i] = lower(e[i]);
        low[n] = 0;
        return IN(low, exts);
}

static int hexval(char c) {
        if (is_digit(c))
                return c - '0';
        c = lower(c);
        return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* Copies one component (s, n) into c and cuts it into tokens. */
static void comp_load(Comp *c, const char *s, size_t n, bool is_file) {
        if (n > RELEASE_COMPONENT_MAX)
                n = RELEASE_COMPONENT_MAX;
        /* A leftover %20 in a name without spaces: the caller did not decode the URL. */
        bool decode = memchr(s, ' ', n) == NULL && n >= 3;
        if (decode) {
                decode = false;
                for (size_t i = 0; i + 2 < n && !decode; i++)
                        decode = s[i] == '%' && s[i + 1] == '2' && s[i + 2] == '0';
        }
        size_t k = 0;
        for (size_t i = 0; i < n; i++) {
                if (decode && s[i] == '%' && i + 2 < n && hexval(s[i + 1]) >= 0 && hexval(s[i + 2]) >= 0) {
                        char v = (char) (hexval(s[i + 1]) * 16 + hexval(s[i + 2]));
                        c->s[k++] = v ? v : ' ';
                        i += 2;
                } else
                        c->s[k++] = s[i] ? s[i] : ' ';
        }
        c->s[k] = 0;
        c->n = k;
        if (is_file) {
                const char *dot = NULL;
                for (size_t i = c->n; i > 0 && c->n - i < 9; i--)
                        if (c->s[i - 1] == '.') {
                                dot = c->s + i - 1;
                                break;
                        }
                if (dot && known_extension(dot + 1, (size_t) (c->s + c->n - dot - 1))) {
                        c->n = (size_t) (dot - c->s);
                        c->s[c->n] = 0;
                }
        }

        c->spaced = memchr(c->s, ' ', c->n) != NULL;
        c->nt = 0;
        unsigned depth = 0, groups = 0, group = 0;
        uint8_t sep = 0;
        bool space_before_dash = false;
        for (size_t i = 0; i < c->n && c->nt < TOK_MAX;) {
                unsigned char ch = (unsigned char) c->s[i];
                if (!is_tokch(ch)) {
                        switch (ch) {
                        case ' ':
                                sep |= SEP_SPACE;
                                break;
                        case '.':
                                sep |= SEP_DOT;
                                break;
                        case '_':
                                sep |= SEP_UNDER;
                                break;
                        case '-': {
                                /* spaced if a blank-like separator is on both sides */
                                bool before = i > 0 && (c->s[i - 1] == ' ' || c->s[i - 1] == '_' || c->s[i - 1] == '.');
                                bool after = i + 1 < c->n && (c->s[i + 1] == ' ' || c->s[i + 1] == '_' || c->s[i + 1] == '.');
                                if ((before || space_before_dash) && after)
                                        sep |= SEP_SPACED_DASH;
                                else if (after && i > 0 && is_tokch((unsigned char) c->s[i - 1]))
                                        sep |= SEP_SPACED_DASH; /* "Show- HD TV" */
                                else if (before && (i + 1 >= c->n || c->s[i + 1] == '-'))
                                        space_before_dash = true;
                                else
                                        sep |= SEP_DASH;
                                break;
                        }
                        case '(':
                        case '[':
                        case '{':
                                sep |= SEP_OPEN;
                                if (depth == 0)
                                        group = ++groups;
                                if (depth < 255)
                                        depth++;
                                break;
                        case ')':
                        case ']':
                        case '}':
                                sep |= SEP_OTHER;
                                if (depth > 0)
                                        depth--;
                                if (depth == 0)
                                        group = 0;
                                break;
                        case '#':
                                sep |= SEP_HASH;
                                break;
                        default:
                                sep |= SEP_OTHER;
                                break;
                        }
                        i++;
                        continue;
                }
                size_t st = i;
                while (i < c->n && is_tokch((unsigned char) c->s[i]))
                        i++;
                Tok *t = &c->t[c->nt++];
                t->off = (uint16_t) st;
                t->len = (uint16_t) (i - st);
                t->sep = sep;
                t->depth = (uint8_t) depth;
                t->group = (uint16_t) (depth ? group : 0);
                sep = 0;
                space_before_dash = false;
                if (t->len <= WORD_MAX) {
                        for (size_t j = 0; j < t->len; j++)
                                t->low[j] = lower(c->s[st + j]);
                        t->low[t->len] = 0;
                } else
                        t->low[0] = 0;
                size_t j = st;
                int nd;
                int v = digits(c->s, i, &j, &nd);
                /* 09v2: a fansub's second version of episode 9 */
                if (v >= 0 && j + 2 == i && lower(c->s[j]) == 'v' && is_digit(c->s[j + 1]))
                        j = i;
                t->num = v >= 0 && j == i ? v : -1;
                t->ndig = t->num >= 0 ? (uint8_t) nd : 0;
        }
        for (int i = 0; i < c->nt; i++)
                c->t[i].tag = (uint8_t) classify(c, i);
}

static bool single_letter(const Tok *t) {
        return t->len == 1 && t->low[0] >= 'a' && t->low[0] <= 'z';
}

static bool tok_is(const Tok *t, const char *w) {
        return strcmp(t->low, w) == 0;
}

/* Whether the token is only letters (ASCII or not), no digits. */
static bool tok_alpha(const Comp *c, const Tok *t) {
        for (size_t i = 0; i < t->len; i++)
                if (is_digit(c->s[t->off + i]))
                        return false;
        return true;
}

/* ---------------------------------------------------------------- markers */

typedef struct Ep {
        int at;   /* first token of the marker, -1 when none */
        int last; /* last token of the marker */
        int season, episode, episode_last;
        bool season_only;
} Ep;

/* s01e02, s01e02e03, s1936e18, s01ep01, s06xe01, s01 (season only: *ep = -1).
 * 1 on a match. */
static int parse_se(const char *w, int *season, int *ep, int *ep_last) {
        size_t n = strlen(w), i = 1;
        int k;
        if (n < 2 || w[0] != 's' || !is_digit(w[1]))
                return 0;
        int s = digits(w, n, &i, &k);
        if (s < 0 || k > 4)
                return 0;
        *season = s;
        *ep = *ep_last = -1;
        if (i == n)
                return 1;
        if (w[i] == 'x' && i + 1 < n && w[i + 1] == 'e')
                i++;
        if (w[i] != 'e' && !(w[i] == 'x' && i + 1 < n && is_digit(w[i + 1]))) /* S01E02, S01xE02, S01x02 */
                return 0;
        i++;
        if (i < n && w[i] == 'p')
                i++;
        int e = digits(w, n, &i, &k);
        if (e < 0 || k > 5)
                return 0;
        *ep = *ep_last = e;
        while (i < n && w[i] == 'e') {
                i++;
                int e2 = digits(w, n, &i, &k);
                if (e2 < 0)
                        return 0;
                if (e2 > *ep_last)
                        *ep_last = e2;
        }
        if (i + 2 == n && w[i] == 'v' && is_digit(w[i + 1]))
                i = n;
        return i == n;
}

/* 1x02, 01x02, 2x04x05, 2016x231 */
static int parse_nx(const char *w, int *season, int *ep, int *ep_last) {
        size_t n = strlen(w), i = 0;
        int k, k2;
        int s = digits(w, n, &i, &k);
        if (s < 0 || i >= n || w[i] != 'x')
                return 0;
        if (!(k <= 2 || (k == 4 && s >= 1900 && s <= YEAR_MAX)))
                return 0;
        i++;
        int e = digits(w, n, &i, &k2);
        if (e < 0 || k2 > 3)
                return 0;
        *season = s;
        *ep = *ep_last = e;
        while (i < n && w[i] == 'x') {
                i++;
                int e2 = digits(w, n, &i, &k2);
                if (e2 < 0)
                        return 0;
                if (e2 > *ep_last)
                        *ep_last = e2;
        }
        return i == n;
}

/* e01, ep06, e576, e01e02 */
static int parse_e(const char *w, int *ep, int *ep_last) {
        size_t n = strlen(w), i = 1;
        int k;
        if (n < 2 || w[0] != 'e')
                return 0;
        if (w[i] == 'p')
                i++;
        int e = digits(w, n, &i, &k);
        if (e < 0 || k > 5)
                return 0;
        *ep = *ep_last = e;
        while (i < n && w[i] == 'e') {
                i++;
                int e2 = digits(w, n, &i, &k);
                if (e2 < 0)
                        return 0;
                if (e2 > *ep_last)
                        *ep_last = e2;
        }
        if (i + 2 == n && w[i] == 'v' && is_digit(w[i + 1]))
                i = n;
        return i == n;
}

/* 1of4 */
static int parse_of(const char *w, int *a) {
        size_t n = strlen(w), i = 0;
        int k;
        int x = digits(w, n, &i, &k);
        if (x < 0 || k > 3 || i + 2 >= n || w[i] != 'o' || w[i + 1] != 'f')
                return 0;
        i += 2;
        if (digits(w, n, &i, &k) < 0 || i != n)
                return 0;
        *a = x;
        return 1;
}

/* 2nd, 3rd, 4th */
static int ordinal(const char *w, int *v) {
        size_t n = strlen(w), i = 0;
        int k;
        int x = digits(w, n, &i, &k);
        if (x < 1 || k > 2 || i + 2 != n)
                return 0;
        if (strcmp(w + i, "st") && strcmp(w + i, "nd") && strcmp(w + i, "rd") && strcmp(w + i, "th"))
                return 0;
        *v = x;
        return 1;
}

/* season1, temporada1, saison12 */
static int parse_season_glued(const char *w, int *season) {
        for (size_t l = 0; l < sizeof season_words / sizeof season_words[0]; l++) {
                size_t m = strlen(season_words[l]);
                if (strncmp(w, season_words[l], m) == 0 && is_digit(w[m])) {
                        size_t i = m;
                        int k;
                        int s = digits(w, strlen(w), &i, &k);
                        if (s >= 0 && k <= 4 && w[i] == 0) {
                                *season = s;
                                return 1;
                        }
                }
        }
        return 0;
}

/* A number token usable as an episode: 1 to 5 digits, not a resolution. */
static bool ep_number(const Tok *t) {
        return t->num >= 0 && t->ndig >= 1 && t->ndig <= 5;
}

/* Episodes that continue a marker: S01E01-E02, S01E01-02, 1x01-x03, 8x01_02,
 * S01E02.S01E03, 1x02 - 1x03, S01E01+02. Updates e->episode_last and e->last. */
static void continuation(const Comp *c, Ep *e) {
        for (int j = e->last + 1; j < c->nt && j <= e->last + 8; j++) {
                const Tok *t = &c->t[j];
                int s, a, b;
                if (parse_e(t->low, &a, &b) && a >= e->episode) {
                        if (b > e->episode_last)
                                e->episode_last = b;
                } else if ((parse_se(t->low, &s, &a, &b) || parse_nx(t->low, &s, &a, &b)) && s == e->season && a >= e->episode) {
                        if (b > e->episode_last)
                                e->episode_last = b;
                } else if (t->low[0] == 'x' && t->len > 1 && t->num < 0) {
                        size_t i = 1;
                        int k;
                        int v = digits(t->low, strlen(t->low), &i, &k);
                        if (v < 0 || t->low[i] != 0 || v <= e->episode)
                                break;
                        if (v > e->episode_last)
                                e->episode_last = v;
                } else if (t->num > e->episode && t->ndig <= 3 && t->num - e->episode <= 50 &&
                           (t->sep & (SEP_DASH | SEP_UNDER | SEP_OTHER)) && !(t->sep & (SEP_SPACED_DASH | SEP_OPEN))) {
                        if (t->num > e->episode_last)
                                e->episode_last = t->num;
                } else
                        break;
                e->last = j;
        }
        if (e->episode_last == e->episode)
                e->episode_last = -1;
}

/* "Cap.102": a Spanish chapter number, season and episode packed; "Cap.12": an episode. */
static void cap_number(const Tok *t, Ep *e) {
        if (t->ndig >= 3 && t->ndig <= 4 && t->num >= 100) {
                e->season = t->num / 100;
                e->episode = t->num % 100;
        } else
                e->episode = t->num;
}

/* An episode number after a season marker at e->last: "S01 E02", "S01.E02",
 * "S3 - 12", "Season 1 Episode 2", "S2 [05]", "S01.Ep.01". */
static bool episode_after(const Comp *c, Ep *e, bool bare_number) {
        int j = e->last + 1;
        if (j >= c->nt)
                return false;
        const Tok *t = &c->t[j];
        int a, b;
        if (parse_e(t->low, &a, &b)) {
                e->episode = a;
                e->episode_last = b;
                e->last = j;
                return true;
        }
        if (IN(t->low, episode_words) && j + 1 < c->nt && ep_number(&c->t[j + 1]) && !(c->t[j + 1].sep & (SEP_SPACED_DASH | SEP_OPEN))) {
                if (tok_is(t, "cap"))
                        cap_number(&c->t[j + 1], e);
                else
                        e->episode = e->episode_last = c->t[j + 1].num;
                e->last = j + 1;
                return true;
        }
        if (parse_of(t->low, &a)) {
                e->episode = e->episode_last = a;
                e->last = j;
                return true;
        }
        if (!bare_number && ep_number(t) && (t->sep & SEP_SPACED_DASH) && (t->ndig >= 2) && t->ndig <= 4 && !is_year(t))
                bare_number = true; /* (Season 2) - 33 */
        if (bare_number && ep_number(t) && t->ndig <= 4 && !is_year(t) && !is_resolution(t->low)) {
                e->episode = e->episode_last = t->num;
                e->last = j;
                return true;
        }
        return false;
}

/* The first explicit episode marker at or after `from`. */
static void find_marker(const Comp *c, int from, Ep *e) {
        *e = (Ep) { .at = -1, .season = -1, .episode = -1, .episode_last = -1 };
        for (int i = from; i < c->nt; i++) {
                const Tok *t = &c->t[i];
                int s, a, b;
                Ep m = { .at = i, .last = i, .season = -1, .episode = -1, .episode_last = -1 };
                if (parse_se(t->low, &s, &a, &b)) {
                        m.season = s;
                        if (a >= 0) {
                                m.episode = a;
                                m.episode_last = b;
                        } else if (!episode_after(c, &m, true))
                                m.season_only = true;
                } else if (!is_resolution(t->low) && parse_nx(t->low, &s, &a, &b)) {
                        m.season = s;
                        m.episode = a;
                        m.episode_last = b;
                } else if (ordinal(t->low, &s) && i + 1 < c->nt && tok_is(&c->t[i + 1], "season")) {
                        m.season = s; /* 2nd Season - 12 */
                        m.last = i + 1;
                        if (!episode_after(c, &m, false))
                                m.season_only = true;
                } else if (parse_season_glued(t->low, &s)) {
                        m.season = s;
                        if (!episode_after(c, &m, false))
                                m.season_only = true;
                } else if (IN(t->low, season_words) && i + 1 < c->nt && (ep_number(&c->t[i + 1]) || parse_of(c->t[i + 1].low, &a))) {
                        m.season = c->t[i + 1].num >= 0 ? c->t[i + 1].num : a;
                        m.last = i + 1;
                        if (!episode_after(c, &m, false))
                                m.season_only = true;
                } else if (IN(t->low, episode_words) && i + 1 < c->nt && ep_number(&c->t[i + 1]) &&
                           (!(c->t[i + 1].sep & (SEP_SPACED_DASH | SEP_OPEN)) || t->len >= 7) && !is_year(&c->t[i + 1]) &&
                           !(t->len == 1 && i > 0 && single_letter(&c->t[i - 1]) && c->t[i].sep == SEP_DOT)) {
                        if (tok_is(t, "cap"))
                                cap_number(&c->t[i + 1], &m);
                        else
                                m.episode = m.episode_last = c->t[i + 1].num;
                        m.last = i + 1;
                } else if (parse_e(t->low, &a, &b) && (i > from || t->len >= 3)) {
                        m.episode = a;
                        m.episode_last = b;
                } else if (parse_of(t->low, &a) && i > from) {
                        m.episode = m.episode_last = a;
                } else if (ep_number(t) && t->ndig <= 3 && i + 2 < c->nt && tok_is(&c->t[i + 1], "of") && ep_number(&c->t[i + 2]) &&
                           i > from) {
                        m.episode = m.episode_last = t->num;
                        m.last = i + 2;
                } else if (ep_number(t) && t->ndig <= 4 && (t->sep & SEP_HASH) && i > from) {
                        m.episode = m.episode_last = t->num;
                } else if (ep_number(t) && t->ndig <= 4 && i > from && i + 1 < c->nt &&
                           (tok_is(&c->t[i + 1], "blm") || tok_is(&c->t[i + 1], "bolum") || strcmp(c->t[i + 1].low, "b\xc3\xb6l\xc3\xbcm") == 0)) {
                        m.episode = m.episode_last = t->num;
                        m.last = i + 1;
                } else
                        continue;
                if (m.season_only) {
                        /* a later chapter or episode number completes it: Temporada 1 … [Cap.102] */
                        for (int j = m.last + 1; j < c->nt && m.episode < 0; j++) {
                                Ep k = m;
                                k.last = j - 1;
                                if (episode_after(c, &k, false)) {
                                        m.episode = k.episode;
                                        m.episode_last = k.episode_last;
                                        m.season = k.season;
                                        m.season_only = false;
                                }
                        }
                } else
                        continuation(c, &m);
                if (m.episode_last == m.episode)
                        m.episode_last = -1;
                *e = m;
                return;
        }
}

/* Dates of daily shows: 2015.07.22, 2015-07-22, 2015 07 22, 22.07.2015,
 * 07-22-2015, 20150722, 150722 (weak). Returns the first token or -1. */
static int find_date(const Comp *c, int from, int *y, int *m, int *d, int *last, bool *weak) {
        for (int i = from; i < c->nt; i++) {
                const Tok *t = &c->t[i];
                *weak = false;
                if (i + 2 < c->nt && c->t[i + 1].num >= 0 && c->t[i + 2].num >= 0 && t->num >= 0 &&
                    !(c->t[i + 1].sep & (SEP_OPEN | SEP_SPACED_DASH)) && c->t[i + 1].sep == c->t[i + 2].sep) {
                        const Tok *b = &c->t[i + 1], *e = &c->t[i + 2];
                        if (is_year(t) && b->ndig <= 2 && e->ndig <= 2) {
                                int mm = b->num, dd = e->num;
                                if (mm > 12 && dd <= 12) { /* 2012.16.02 */
                                        int x = mm;
                                        mm = dd;
                                        dd = x;
                                }
                                if (mm >= 1 && mm <= 12 && dd >= 1 && dd <= 31) {
                                        *y = t->num, *m = mm, *d = dd, *last = i + 2;
                                        return i;
                                }
                        }
                        if (is_year(e) && t->ndig <= 2 && b->ndig <= 2) {
                                int dd = t->num, mm = b->num;
                                if (mm > 12 && dd <= 12) { /* 03-29-2012 */
                                        int x = mm;
                                        mm = dd;
                                        dd = x;
                                }
                                if (mm >= 1 && mm <= 12 && dd >= 1 && dd <= 31) {
                                        *y = e->num, *m = mm, *d = dd, *last = i + 2;
                                        return i;
                                }
                        }
                }
                if ((t->ndig == 8 || t->ndig == 6) && t->len == t->ndig) {
                        int v = t->num;
                        int yy = t->ndig == 8 ? v / 10000 : 2000 + v / 10000, mm = v / 100 % 100, dd = v % 100;
                        if (yy >= YEAR_MIN && yy <= YEAR_MAX && mm >= 1 && mm <= 12 && dd >= 1 && dd <= 31 && i > from) {
                                *y = yy, *m = mm, *d = dd, *last = i;
                                *weak = t->ndig == 6;
                                return i;
                        }
                }
        }
        return -1;
}

/* ---------------------------------------------------------------- titles */

static size_t put(char *out, size_t k, const char *s, size_t n) {
        if (k + n >= RELEASE_TITLE_MAX)
                n = k < RELEASE_TITLE_MAX - 1 ? RELEASE_TITLE_MAX - 1 - k : 0;
        memcpy(out + k, s, n);
        return k + n;
}

/* Keeps valid UTF-8 and replaces the rest with U+FFFD, within the title's size. */
static void sanitize_utf8(char *s) {
        char tmp[RELEASE_TITLE_MAX];
        size_t k = 0, n = strlen(s);
        for (size_t i = 0; i < n;) {
                unsigned char ch = (unsigned char) s[i];
                size_t len = ch < 0x80 ? 1 : (ch >> 5) == 6 ? 2 : (ch >> 4) == 14 ? 3 : (ch >> 3) == 30 ? 4 : 0;
                bool ok = len > 0 && i + len <= n;
                for (size_t j = 1; ok && j < len; j++)
                        ok = ((unsigned char) s[i + j] >> 6) == 2;
                if (ok && len > 1) {
                        uint32_t cp = ch & (0x7f >> len);
                        for (size_t j = 1; j < len; j++)
                                cp = (cp << 6) | ((unsigned char) s[i + j] & 0x3f);
                        ok = !(len == 2 && cp < 0x80) && !(len == 3 && cp < 0x800) && !(len == 4 && cp < 0x10000) &&
                             cp <= 0x10ffff && !(cp >= 0xd800 && cp <= 0xdfff);
                }
                const char *src = ok ? s + i : "\xef\xbf\xbd";
                size_t sl = ok ? len : 3;
                if (k + sl >= sizeof tmp)
                        break;
                memcpy(tmp + k, src, sl);
                k += sl;
                i += ok ? len : 1;
        }
        tmp[k] = 0;
        memcpy(s, tmp, k + 1);
}

static void trim(char *s) {
        static const char lead[] = " -:,;~|+)]}&/=*";
        static const char tail[] = " -:,;~|+([{&/=*";
        size_t n = strlen(s), a = 0;
        while (a < n && strchr(lead, s[a]))
                a++;
        while (n > a && strchr(tail, s[n - 1]))
                n--;
        memmove(s, s + a, n - a);
        s[n - a] = 0;
}

static bool ascii_ieq(const char *a, const char *b, size_t n) {
        for (size_t i = 0; i < n; i++)
                if (lower(a[i]) != lower(b[i]))
                        return false;
        return true;
}

/* "Simpsons, The" → "The Simpsons" */
static void article_first(char *s) {
        static const char *const arts[] = { ", The", ", A", ", An" };
        size_t n = strlen(s);
        for (size_t a = 0; a < 3; a++) {
                size_t m = strlen(arts[a]);
                if (n > m && ascii_ieq(s + n - m, arts[a], m)) {
                        char tmp[RELEASE_TITLE_MAX];
                        size_t w = m - 2;
                        memcpy(tmp, s + n - w, w);
                        tmp[w] = ' ';
                        memcpy(tmp + w + 1, s, n - m);
                        tmp[w + 1 + n - m] = 0;
                        memcpy(s, tmp, strlen(tmp) + 1);
                        return;
                }
        }
}

/* The text of tokens [from, to) as a title: separators become one space,
 * except a dash inside a word, an acronym's dots (S.H.I.E.L.D.), an
 * abbreviation's dot before a space (Mr. Nobody), and punctuation. */
static void title_text(const Comp *c, int from, int to, char *out) {
        size_t k = 0;
        out[0] = 0;
        if (from >= to)
                return;
        if (c->t[from].depth > 0 && (c->t[from].sep & SEP_OPEN) && c->t[from].off > 0 && c->s[c->t[from].off - 1] == '(' &&
            to > from + 1 && c->t[to - 1].group != c->t[from].group)
                k = put(out, k, "(", 1); /* (500) Days of Summer */
        for (int i = from; i < to; i++) {
                const Tok *t = &c->t[i];
                if (i > from) {
                        const Tok *p = &c->t[i - 1];
                        size_t a = (size_t) p->off + p->len, b = t->off;
                        char sep[64];
                        size_t sk = 0;
                        bool space = false;
                        for (size_t j = a; j < b && sk + 2 < sizeof sep; j++) {
                                char ch = c->s[j];
                                if (ch == '.' && single_letter(p) && single_letter(t) && b - a == 1)
                                        sep[sk++] = '.';
                                else if (ch == '.' && c->spaced && j + 1 < b && c->s[j + 1] == ' ')
                                        sep[sk++] = '.';
                                else if (ch == '.' && c->spaced && b - a == 1 && p->num >= 0 && t->num >= 0)
                                        sep[sk++] = '.'; /* Evangelion 1.11 */
                                else if (ch == ' ' || ch == '.' || ch == '_' || (unsigned char) ch < 0x20 || ch == 0x7f)
                                        space = true;
                                else {
                                        if (space && sk > 0 && sep[sk - 1] != ' ')
                                                sep[sk++] = ' ';
                                        else if (space && sk == 0 && ch != ',' && ch != ':' && ch != '!' && ch != '?')
                                                sep[sk++] = ' ';
                                        sep[sk++] = ch;
                                        space = false;
                                }
                        }
                        if (space || sk == 0)
                                sep[sk++] = ' ';
                        /* "wo!.2" gives "! "; ".-." gives " - " */
                        k = put(out, k, sep, sk);
                }
                k = put(out, k, c->s + t->off, t->len);
        }
        /* "Sabagebu!", "What If?" keep their marks */
        const Tok *l = &c->t[to - 1];
        for (size_t j = (size_t) l->off + l->len; j < c->n && j < (size_t) l->off + l->len + 3 && (c->s[j] == '!' || c->s[j] == '?'); j++)
                k = put(out, k, c->s + j, 1);
        /* S.H.I.E.L.D. keeps its last dot */
        if (to - from >= 2 && single_letter(l) && single_letter(&c->t[to - 2]) && (size_t) l->off + 1 < c->n && c->s[l->off + 1] == '.')
                k = put(out, k, ".", 1);
        out[k] = 0;
        /* collapse blanks */
        size_t w = 0;
        for (size_t r = 0; r < k; r++)
                if (!(out[r] == ' ' && (w == 0 || out[w - 1] == ' ')))
                        out[w++] = out[r];
        out[w] = 0;
        trim(out);
        article_first(out);
        sanitize_utf8(out);
}

/* Whether s is a name only a machine could give: a hash, a uuid part. */
static bool hashlike(const char *s, size_t n) {
        int dig = 0, let = 0;
        for (size_t i = 0; i < n; i++) {
                if (is_digit(s[i]))
                        dig++;
                else if (is_alpha(s[i]))
                        let++;
                else
                        return false;
        }
        return (n >= 8 && dig >= 3 && let >= 2) || n >= 24;
}

/* ---------------------------------------------------------------- one component */

enum { CUT_END, CUT_YEAR, CUT_TAG, CUT_MARK, CUT_BRACKET, CUT_DASH };

/* Where a title starting at `from` ends, at or before `limit`: a strong tag,
 * a bracket opened after it, "aka", and (stop_dash) a spaced dash. */
static int title_cut(const Comp *c, int from, int limit, bool stop_dash, int *kind) {
        *kind = CUT_END;
        for (int j = from + 1; j < limit; j++) {
                const Tok *t = &c->t[j];
                if (tag_class(c, j) == TAG_STRONG) {
                        *kind = CUT_TAG;
                        return j;
                }
                if (t->depth > 0 && t->group != c->t[from].group) {
                        *kind = CUT_BRACKET;
                        return j;
                }
                if (tok_is(t, "aka") || (stop_dash && (t->sep & SEP_SPACED_DASH))) {
                        *kind = CUT_DASH;
                        return j;
                }
        }
        if (limit < c->nt)
                *kind = CUT_MARK;
        return limit;
}

/* Drops release words from the title's end: scene words always, soft words
 * (languages, WEB, DL) unless a year or nothing follows, a country code. */
static int title_trim(const Comp *c, int from, int to, int kind, bool episode) {
        int t0 = to;
        while (to > from + 1) {
                TagClass k = tag_class(c, to - 1);
                const Tok *t = &c->t[to - 1];
                if (k == TAG_SCENE || k == TAG_STRONG || (k == TAG_SOFT && kind != CUT_YEAR && kind != CUT_END) ||
                    (t->len >= 4 && (IN(t->low, season_words) || IN(t->low, episode_words))))
                        to--;
                else
                        break;
        }
        if (to == from + 1 && tag_class(c, from) != TAG_NONE && t0 > to)
                to = t0; /* a title made only of such words is still the title */
        if (to - from == 1 && (IN(c->t[from].low, season_words) || IN(c->t[from].low, episode_words)))
                to = from; /* "Season s2016e1", "Episode - 16" */
        if (to - from >= 2) {
                const Tok *l = &c->t[to - 1];
                const char *w = c->s + l->off;
                static const char *const cc[] = { "US", "UK", "AU", "NZ", "CA" };
                for (size_t i = 0; i < 5 && (episode || kind != CUT_END); i++)
                        if (l->len == 2 && memcmp(w, cc[i], 2) == 0) {
                                to--;
                                break;
                        }
        }
        return to;
}

/* The first token of the name proper: past leading [Group] and {…} tags, a
 * leading (1), www.site.tld, release tags, a language before " - ", and a
 * non-Latin title when a Latin one follows. */
static int name_start(const Comp *c, bool *anime, int *lead_year) {
        int i = 0;
        *anime = false;
        *lead_year = -1;
        for (int round = 0; round < 8 && i < c->nt; round++) {
                const Tok *t = &c->t[i];
                if (t->depth > 0 && (t->sep & SEP_OPEN) && (i == 0 || c->t[i - 1].group != t->group)) {
                        char open = c->s[t->off - 1];
                        for (size_t k = t->off; k > 0; k--)
                                if (strchr("([{", c->s[k - 1])) {
                                        open = c->s[k - 1];
                                        break;
                                }
                        int g = t->group, j = i;
                        while (j < c->nt && c->t[j].group == g)
                                j++;
                        bool number_only = j == i + 1 && t->ndig >= 1 && t->ndig <= 2;
                        if (j == i + 1 && is_year(t) && open == '(' && j < c->nt) {
                                *lead_year = i; /* (1995) Movie Name */
                                i = j;
                                continue;
                        }
                        bool outside = false; /* a token outside brackets follows */
                        for (int k = j; k < c->nt && !outside; k++)
                                outside = c->t[k].depth == 0;
                        if (!outside && open == '[' && i > 0) {
                                /* all in brackets: past the group, skip only groups of tags or of non-Latin words */
                                bool latin = false;
                                for (int k = i; k < j && !latin; k++)
                                        latin = tag_class(c, k) == TAG_NONE && c->t[k].num < 0 && is_alpha(c->s[c->t[k].off]) &&
                                                !hashlike(c->s + c->t[k].off, c->t[k].len);
                                if (latin)
                                        break;
                        }
                        if (j < c->nt && (open == '[' || open == '{' || (open == '(' && number_only))) {
                                if (open == '[')
                                        *anime = true;
                                i = j;
                                continue;
                        }
                }
                if (tok_is(t, "www")) {
                        /* the site's name: the tokens joined by dots, up to a known TLD */
                        int j = i + 1;
                        while (j < c->nt && c->t[j].sep == SEP_DOT && !IN(c->t[j - 1].low, tlds))
                                j++;
                        if (j > i + 1 && j < c->nt) {
                                i = j;
                                continue;
                        }
                }
                if (tag_class(c, i) == TAG_STRONG && i + 1 < c->nt) {
                        i++;
                        continue;
                }
                if (tag_class(c, i) == TAG_SOFT && i + 1 < c->nt && (c->t[i + 1].sep & SEP_SPACED_DASH)) {
                        i++;
                        continue;
                }
                break;
        }
        /* 我的人间烟火.Fireworks.Series: the Latin title follows */
        int j = i;
        while (j < c->nt && (unsigned char) c->s[c->t[j].off] >= 0x80) {
                bool all = true;
                for (size_t k = 0; k < c->t[j].len && all; k++)
                        all = (unsigned char) c->s[c->t[j].off + k] >= 0x80;
                if (!all)
                        break;
                j++;
        }
        if (j > i && j < c->nt && is_alpha(c->s[c->t[j].off]) && tok_alpha(c, &c->t[j]))
                i = j;
        return i;
}

/* The year of the name: the last one between the title and `before` (tags,
 * or the episode marker), else (movies) the first one after. -1 if none. */
static bool range_end(const Comp *c, int i) {
        return i > 0 && (c->t[i].sep & SEP_DASH) && !(c->t[i].sep & SEP_SPACED_DASH) && is_year(&c->t[i - 1]);
}

/* A year alone in brackets: (2013), [2013]. */
static bool bracketed(const Comp *c, int i) {
        return c->t[i].depth > 0 && (c->t[i].sep & SEP_OPEN) && (i + 1 >= c->nt || c->t[i + 1].group != c->t[i].group);
}

static int pick_year(const Comp *c, int start, int before, bool after_too, const int *skip_a, const int *skip_b) {
        int best = -1, best_br = -1;
        for (int i = start + 1; i < before && i < c->nt; i++)
                if (is_year(&c->t[i]) && !range_end(c, i) && !(skip_a[0] >= 0 && i >= skip_a[0] && i <= skip_a[1]) &&
                    !(skip_b[0] >= 0 && i >= skip_b[0] && i <= skip_b[1])) {
                        best = i;
                        if (bracketed(c, i))
                                best_br = i;
                }
        /* My Movie (1997) - Group 2019: the year in brackets is the film's */
        if (best_br >= 0)
                best = best_br;
        if (best < 0 && after_too)
                for (int i = before > start ? before : start + 1; i < c->nt; i++)
                        if (is_year(&c->t[i]) && !tok_is(&c->t[i - 1], "bt") && !(skip_a[0] >= 0 && i >= skip_a[0] && i <= skip_a[1]) &&
                            !(skip_b[0] >= 0 && i >= skip_b[0] && i <= skip_b[1]))
                                return i;
        return best;
}

static ReleaseExtra extra_word(const Tok *t, bool plex_suffix) {
        if (tok_is(t, "sample"))
                return RELEASE_EXTRA_SAMPLE;
        if (tok_is(t, "trailer") || tok_is(t, "teaser"))
                return RELEASE_EXTRA_TRAILER;
        if (tok_is(t, "featurette") || tok_is(t, "featurettes") || tok_is(t, "behindthescenes"))
                return RELEASE_EXTRA_BONUS;
        if (plex_suffix && (tok_is(t, "deleted") || tok_is(t, "deletedscene") || tok_is(t, "interview") || tok_is(t, "scene") ||
                            tok_is(t, "short") || tok_is(t, "other") || tok_is(t, "extra") || tok_is(t, "bts")))
                return RELEASE_EXTRA_BONUS;
        return RELEASE_EXTRA_NONE;
}

/* Title tokens from `from` to the next cut, for a title that follows a
 * leading marker ("2011.01.10 - A Late Talk Show"). */
static void title_after(const Comp *c, int from, Guess *g) {
        if (from >= c->nt)
                return;
        int kind;
        int to = title_cut(c, from, c->nt, true, &kind);
        Ep e;
        find_marker(c, from, &e);
        if (e.at >= 0 && e.at < to)
                to = e.at, kind = CUT_MARK;
        for (int j = from + 1; j < to; j++)
                if (is_year(&c->t[j])) {
                        to = j;
                        kind = CUT_YEAR;
                        break;
                }
        to = title_trim(c, from, to, kind, true);
        if (tag_class(c, from) == TAG_STRONG)
                return;
        title_text(c, from, to, g->title);
}

/* A number that opens the name: "02 - Title" in a season folder, "03-Show",
 * "[Grp] 01 - Show". */
static bool leading_number(const Comp *c, int start, int season_ctx, bool anime, Guess *g) {
        const Tok *t0 = &c->t[start];
        const int none[2] = { -1, -1 };
        bool alone = start + 1 >= c->nt;
        if (!(t0->num >= 0 && t0->ndig <= 3 && !(alone && season_ctx < 0 && c->s[t0->off] != '0')))
                return false;
        if (!(c->s[t0->off] == '0' || season_ctx >= 0 || (anime && !alone && (t0->ndig >= 2 || (c->t[start + 1].sep & SEP_SPACED_DASH)))))
                return false;
        if (pick_year(c, start, c->nt, false, none, none) >= 0)
                return false;
        int next = start + 1;
        if (next + 1 < c->nt && c->t[next].num >= 0 && (c->t[next].sep & SEP_DASH))
                next++; /* 003-004. Show */
        g->type = RELEASE_EPISODE;
        g->weak = g->leading = true;
        g->episode = t0->num;
        if (season_ctx < 0 && next < c->nt && (anime || !(c->t[next].sep & SEP_SPACED_DASH)))
                title_after(c, next, g);
        return true;
}

static void analyze(const Comp *c, bool is_file, int season_ctx, Guess *g) {
        *g = (Guess) { .season = -1, .episode = -1, .episode_last = -1 };
        if (c->nt == 0)
                return;
        /* a camera's or a phone's file: VID_0001, IMG_20230101_120000, GOPR0001, PXL_… */
        static const char *const cams[] = { "vid", "img", "dsc", "dscn", "dscf", "mov", "mvi", "pxl", "dji", "gopr", "gp", "video", "rec", "screencast" };
        if (is_file && c->nt >= 1) {
                const char *w = c->t[0].low;
                size_t k = 0;
                while (is_alpha(w[k]))
                        k++;
                char head[WORD_MAX + 1];
                memcpy(head, w, k);
                head[k] = 0;
                bool digits_follow = w[k] ? is_digit(w[k]) : (c->nt >= 2 && c->t[1].num >= 0);
                if (IN(head, cams) && digits_follow) {
                        g->garbage = true;
                        return;
                }
        }
        bool anime;
        int lead_year;
        int start = name_start(c, &anime, &lead_year);
        if (start >= c->nt)
                return;
        for (int i = 0; i < c->nt; i++) {
                if (tag_class(c, i) == TAG_STRONG)
                        g->ntags++;
                if (tok_is(&c->t[i], "vostfr"))
                        anime = true;
                /* reversed names: p0801 (1080p), 20E10S (S01E02) */
                const char *w = c->t[i].low;
                if (strcmp(w, "p0801") == 0 || strcmp(w, "p027") == 0 || strcmp(w, "p0612") == 0 || strcmp(w, "p084") == 0)
                        g->garbage = true;
        }

        /* extras: sample.mkv, …-sample.mkv, Movie-trailer.mkv, …Extras… */
        if (is_file) {
                const Tok *first = &c->t[0], *last = &c->t[c->nt - 1];
                g->extra = extra_word(last, (last->sep & SEP_DASH) != 0);
                if (!g->extra && c->nt > 1 && (tok_is(first, "sample") || tok_is(first, "trailer")))
                        g->extra = extra_word(first, false);
        }

        int tagcut = c->nt;
        for (int i = start + 1; i < c->nt; i++)
                if (tag_class(c, i) == TAG_STRONG) {
                        tagcut = i;
                        break;
                }
        if (is_file && !g->extra)
                for (int i = start + 1; i < c->nt; i++)
                        if ((i >= tagcut || pick_year(c, start, i, false, (int[]) { -1, -1 }, (int[]) { -1, -1 }) >= 0) && (tok_is(&c->t[i], "extras") || tok_is(&c->t[i], "featurette") ||
                                                                        tok_is(&c->t[i], "featurettes") || tok_is(&c->t[i], "trailer")))
                                g->extra = tok_is(&c->t[i], "trailer") ? RELEASE_EXTRA_TRAILER : RELEASE_EXTRA_BONUS;

        Ep e;
        find_marker(c, start, &e);
        int dy = 0, dm = 0, dd = 0, dlast = -1;
        bool dweak = false;
        int da = find_date(c, start, &dy, &dm, &dd, &dlast, &dweak);
        int none[2] = { -1, -1 }, ea[2] = { e.at, e.last }, dr[2] = { da, dlast };
        int kind, cut;

        if (e.at >= 0) {
                g->strong = true;
                g->type = RELEASE_EPISODE;
                g->season = e.season;
                g->episode = e.episode;
                g->episode_last = e.episode_last;
                g->season_only = e.season_only;
                int limit = e.at;
                if (da >= 0 && da < limit && !dweak)
                        limit = da;
                /* a number range or (anime) a number before the marker ends the title */
                for (int j = start + 1; j < limit; j++) {
                        const Tok *t = &c->t[j];
                        bool range = t->num >= 0 && j + 1 < limit && c->t[j + 1].num >= 0 && (c->t[j + 1].sep & SEP_DASH) && !is_year(t);
                        if ((range || ((t->sep & SEP_SPACED_DASH) && t->ndig >= 2 && !is_year(t) && t->depth == 0)) && t->num >= 0) {
                                limit = j;
                                break;
                        }
                }
                int y = pick_year(c, start, limit, false, ea, dr);
                if (y >= 0) {
                        g->year = c->t[y].num;
                        limit = y;
                }
                cut = title_cut(c, start, limit, false, &kind);
                if (y >= 0 && cut == limit)
                        kind = CUT_YEAR;
                else if (cut == limit)
                        kind = CUT_MARK;
                if (cut > start) {
                        cut = title_trim(c, start, cut, kind, true);
                        title_text(c, start, cut, g->title);
                } else if (e.at == start && e.last + 1 < c->nt) {
                        /* S6E02-Unwrapped-(…): a title glued after the marker is the show's */
                        const Tok *n = &c->t[e.last + 1];
                        if (!(n->sep & (SEP_SPACED_DASH | SEP_SPACE | SEP_OPEN)) && tag_class(c, e.last + 1) == TAG_NONE && n->num < 0)
                                title_after(c, e.last + 1, g);
                }
                if (da >= 0 && !dweak && g->episode < 0) {
                        g->ay = dy, g->am = dm, g->ad = dd;
                        g->season_only = false;
                        g->season = -1;
                }
                return;
        }

        if (da >= 0) {
                g->type = RELEASE_EPISODE;
                g->ay = dy, g->am = dm, g->ad = dd;
                int y = pick_year(c, start, da, false, none, dr);
                int limit = da;
                if (y >= 0) {
                        g->year = c->t[y].num;
                        limit = y;
                }
                cut = title_cut(c, start, limit, false, &kind);
                if (cut > start) {
                        cut = title_trim(c, start, cut, y >= 0 && cut == limit ? CUT_YEAR : kind, true);
                        title_text(c, start, cut, g->title);
                } else if (da == start)
                        title_after(c, dlast + 1, g);
                if (dweak && !g->title[0])
                        g->type = RELEASE_UNKNOWN;
                g->weak = dweak;
                return;
        }

        /* in a season folder, a file that opens with a number is that episode */
        if (season_ctx >= 0 && leading_number(c, start, season_ctx, anime, g))
                return;

        /* bare numbers: [Group] Show - 05, Show.Name.07, Show.Name.102 */
        int cand[TOK_MAX], nc = 0, dash_cand = -1;
        for (int i = start + 1; i < tagcut; i++) {
                const Tok *t = &c->t[i];
                if (t->num < 0 || t->ndig > 4 || is_year(t) || (t->ndig == 4 && t->num >= YEAR_MIN && t->num <= 2099) ||
                    (t->ndig == 4 && t->depth > 0))
                        continue; /* 1889 and 2040 look like years, not like 10x13 packed */
                if (t->depth > 0) {
                        /* only a bracket holding just the number: [01], {01}, [401] */
                        bool alone = (t->sep & SEP_OPEN) && (i + 1 >= c->nt || c->t[i + 1].group != t->group);
                        if (!alone)
                                continue;
                }
                if (i > start && c->t[i - 1].num >= 0 && (t->sep & SEP_DASH) && !(t->sep & SEP_SPACED_DASH))
                        continue; /* the end of a range 16-20 */
                if (c->spaced && ((t->sep == SEP_DOT && c->t[i - 1].num >= 0) ||
                                  (i + 1 < c->nt && c->t[i + 1].sep == SEP_DOT && c->t[i + 1].num >= 0)))
                        continue; /* Evangelion 1.11 */
                cand[nc++] = i;
                const Tok *n = i + 1 < c->nt ? &c->t[i + 1] : NULL;
                if (dash_cand < 0 && (t->sep & SEP_SPACED_DASH) &&
                    (!n || (n->sep & (SEP_SPACED_DASH | SEP_OPEN)) || tag_class(c, i + 1) != TAG_NONE || n->num >= 0 || i + 1 >= tagcut))
                        dash_cand = i;
        }
        int pick = -1;
        bool absolute = false;
        if (nc > 0 && (anime || dash_cand >= 0)) {
                pick = dash_cand >= 0 ? dash_cand : -1;
                if (pick < 0)
                        for (int k = nc - 1; k >= 0 && pick < 0; k--)
                                if (c->t[cand[k]].ndig >= 2 || (c->t[cand[k]].depth > 0))
                                        pick = cand[k];
                absolute = true;
                if (pick >= 0 && c->t[pick].ndig == 1 && pick_year(c, pick, c->nt, true, none, none) > pick)
                        pick = -1;
        } else if (nc > 0) {
                int i = cand[nc - 1];
                const Tok *t = &c->t[i];
                bool year_after = false;
                for (int j = i + 1; j < c->nt; j++)
                        if (is_year(&c->t[j]))
                                year_after = true;
                bool padded = c->s[t->off] == '0';
                if (!year_after && (t->ndig >= 2 || padded || t->depth > 0))
                        pick = i;
        }
        if (pick >= 0) {
                const Tok *t = &c->t[pick];
                bool padded = c->s[t->off] == '0';
                g->type = RELEASE_EPISODE;
                g->weak = true;
                if (season_ctx >= 0 && !absolute && t->ndig >= 3 && t->num / 100 != season_ctx)
                        absolute = true; /* Season 21/One Piece 1001 */
                if (!absolute && !padded && t->ndig == 3 && t->num % 100 <= 99 && t->depth == 0) {
                        g->season = t->num / 100;
                        g->episode = t->num % 100;
                } else if (!absolute && t->ndig == 4 && t->depth == 0) {
                        g->season = t->num / 100;
                        g->episode = t->num % 100;
                } else if (!absolute && t->ndig == 3 && t->depth > 0 && !padded) {
                        g->season = t->num / 100; /* The Office [401] */
                        g->episode = t->num % 100;
                } else
                        g->episode = t->num;
                /* a multi-episode run: 103.104, 16-20 */
                for (int k = 0; k < nc; k++)
                        if (cand[k] + 1 == pick && c->t[cand[k]].num + 1 == t->num && g->season >= 0 &&
                            c->t[cand[k]].ndig == t->ndig) {
                                g->season = c->t[cand[k]].num / 100;
                                g->episode_last = g->episode;
                                g->episode = c->t[cand[k]].num % 100;
                        }
                if (pick + 1 < c->nt && c->t[pick + 1].num > t->num && (c->t[pick + 1].sep & SEP_DASH) &&
                    !(c->t[pick + 1].sep & SEP_SPACED_DASH) && g->season < 0)
                        g->episode_last = c->t[pick + 1].num;
                int limit = pick;
                for (int k = 0; k < nc; k++)
                        if (cand[k] + 1 == pick && g->episode_last == t->num % 100)
                                limit = cand[k];
                int y = pick_year(c, start, limit, false, none, none);
                if (y >= 0) {
                        g->year = c->t[y].num;
                        limit = y;
                }
                cut = title_cut(c, start, limit, false, &kind);
                cut = title_trim(c, start, cut, y >= 0 && cut == limit ? CUT_YEAR : CUT_MARK, true);
                title_text(c, start, cut, g->title);
                return;
        }

        if (leading_number(c, start, season_ctx, anime, g))
                return;

        /* a movie */
        if (g->extra && start < c->nt && extra_word(&c->t[start], true))
                start++; /* sample-primer.mkv */
        if (start >= c->nt)
                return;
        int y = pick_year(c, start, tagcut, true, none, none);
        if (y < 0)
                y = lead_year;
        int limit = tagcut;
        if (y >= 0) {
                g->year = c->t[y].num;
                if (y < limit && y > start)
                        limit = y;
        }
        cut = title_cut(c, start, limit, false, &kind);
        if (y >= 0 && cut == y)
                kind = CUT_YEAR;
        else if (cut == limit && limit < c->nt)
                kind = CUT_TAG;
        cut = title_trim(c, start, cut, kind, false);
        while (g->extra && cut > start && extra_word(&c->t[cut - 1], true))
                cut--; /* primer-sample.mkv */
        bool plain = false;
        for (int i = start; i < cut && !plain; i++)
                plain = tag_class(c, i) == TAG_NONE;
        if (plain) /* a title made only of release tags is none */
                title_text(c, start, cut, g->title);
        if (g->title[0])
                g->type = RELEASE_MOVIE;
        /* hashes, uuids: nothing a person named */
        int hash = 0, words = 0;
        for (int i = start; i < cut; i++) {
                words++;
                if (hashlike(c->s + c->t[i].off, c->t[i].len))
                        hash++;
        }
        if (words > 0 && hash * 2 >= words && g->year == 0)
                g->garbage = true;
}

/* ---------------------------------------------------------------- paths */

static bool component_is(const char *s, size_t n, const char *const *list, size_t nl) {
        char low[32];
        size_t k = 0;
        while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '.'))
                n--;
        if (n == 0 || n >= sizeof low)
                return false;
        for (size_t i = 0; i < n; i++)
                low[k++] = s[i] == '_' ? ' ' : lower(s[i]);
        low[k] = 0;
        return in_list(low, list, nl);
}

static bool generic_folder(const char *s, size_t n) {
        return component_is(s, n, generic_folders, sizeof generic_folders / sizeof generic_folders[0]);
}

static ReleaseExtra extra_folder(const char *s, size_t n) {
        static const char *const samples[] = { "sample", "samples", "proof" };
        static const char *const trailers[] = { "trailer", "trailers" };
        static const char *const bonus[] = { "extras", "extra", "featurettes", "behind the scenes", "deleted scenes",
                                             "interviews", "scenes", "shorts", "other", "bonus", "bonus features" };
        if (component_is(s, n, samples, 3))
                return RELEASE_EXTRA_SAMPLE;
        if (component_is(s, n, trailers, 2))
                return RELEASE_EXTRA_TRAILER;
        if (component_is(s, n, bonus, sizeof bonus / sizeof bonus[0]))
                return RELEASE_EXTRA_BONUS;
        return RELEASE_EXTRA_NONE;
}

static bool specials_folder(const char *s, size_t n) {
        static const char *const sp[] = { "specials", "special" };
        return component_is(s, n, sp, 2);
}

/* ASCII-folded words of a title, for comparing two titles. */
static void fold(const char *s, char *out, size_t n) {
        size_t k = 0;
        bool space = true;
        for (; *s && k + 1 < n; s++) {
                char ch = lower(*s);
                if (ch == '\'')
                        continue;
                if (is_alpha(ch) || is_digit(ch) || (unsigned char) ch >= 0x80) {
                        out[k++] = ch;
                        space = false;
                } else if (!space) {
                        out[k++] = ' ';
                        space = true;
                }
        }
        while (k > 0 && out[k - 1] == ' ')
                k--;
        out[k] = 0;
}

static bool same_title(const char *a, const char *b) {
        char fa[RELEASE_TITLE_MAX], fb[RELEASE_TITLE_MAX];
        fold(a, fa, sizeof fa);
        fold(b, fb, sizeof fb);
        return fa[0] && strcmp(fa, fb) == 0;
}

/* Whether a's words begin b's (and b has more). */
static bool title_prefix(const char *a, const char *b) {
        char fa[RELEASE_TITLE_MAX], fb[RELEASE_TITLE_MAX];
        fold(a, fa, sizeof fa);
        fold(b, fb, sizeof fb);
        size_t n = strlen(fa);
        return n > 0 && strlen(fb) > n && strncmp(fa, fb, n) == 0 && fb[n] == ' ';
}

/* Whether a's words end b's (and b has more): "Mind Field" and
 * "The Power of Suggestion - Mind Field", "How To Be Single" and "blow-how to be single". */
static bool title_suffix(const char *a, const char *b) {
        char fa[RELEASE_TITLE_MAX], fb[RELEASE_TITLE_MAX];
        fold(a, fa, sizeof fa);
        fold(b, fb, sizeof fb);
        size_t n = strlen(fa), m = strlen(fb);
        return n > 0 && m > n && strcmp(fb + m - n, fa) == 0 && (fb[m - n - 1] == ' ' || fb[m - n - 1] == '-');
}

static bool has_letter(const char *s) {
        for (; *s; s++)
                if (is_alpha(*s) || (unsigned char) *s >= 0x80)
                        return true;
        return false;
}

static void copy_title(char *dst, const char *src) {
        size_t n = strlen(src);
        if (n >= RELEASE_TITLE_MAX)
                n = RELEASE_TITLE_MAX - 1;
        memmove(dst, src, n);
        dst[n] = 0;
}

static void to_info(const Guess *g, ReleaseInfo *r) {
        r->type = g->type;
        copy_title(r->title, g->title);
        r->year = g->year;
        r->season = g->season;
        r->episode = g->episode;
        r->episode_last = g->episode_last;
        r->aired_year = g->ay;
        r->aired_month = g->am;
        r->aired_day = g->ad;
}

/* The last LEVELS components of path, file name first. */
static int split_path(const char *path, const char **comp, size_t *len) {
        size_t n = strlen(path);
        int k = 0;
        while (k < LEVELS) {
                while (n > 0 && path[n - 1] == '/')
                        n--;
                if (n == 0)
                        break;
                size_t e = n;
                while (n > 0 && path[n - 1] != '/')
                        n--;
                comp[k] = path + n;
                len[k] = e - n;
                k++;
        }
        return k;
}

static int parse_count(const char *s, int max) {
        if (!s)
                return -1;
        while (*s == ' ')
                s++;
        int v = 0, k = 0;
        while (is_digit(*s) && k < 6) {
                v = v * 10 + (*s - '0');
                s++;
                k++;
        }
        while (*s == ' ')
                s++;
        return k > 0 && *s == 0 && v <= max ? v : -1;
}

static int parse_created_year(const char *s) {
        if (!s)
                return 0;
        while (*s == ' ')
                s++;
        int v = 0;
        for (int i = 0; i < 4; i++) {
                if (!is_digit(s[i]))
                        return 0;
                v = v * 10 + (s[i] - '0');
        }
        if (is_digit(s[4]))
                return 0;
        return v >= YEAR_MIN && v <= YEAR_MAX ? v : 0;
}

/* Whether a guess is about the same thing as a weaker guess names by title. */
static bool strong_episode(const Guess *g) {
        return g->type == RELEASE_EPISODE && g->strong && !g->season_only && g->episode >= 0;
}

static void apply_hints(const char *base, size_t base_len, const ReleaseHints *h, ReleaseInfo *r, bool weak_path) {
        /* Celluloid's raw tags */
        if (h->show && *h->show) {
                char show[RELEASE_TITLE_MAX];
                copy_title(show, h->show);
                for (char *p = show; *p; p++)
                        if ((unsigned char) *p < 0x20 || *p == 0x7f)
                                *p = ' ';
                trim(show);
                sanitize_utf8(show);
                if (show[0]) {
                        int s = parse_count(h->season, 9999), e = parse_count(h->episode, 99999);
                        bool same = r->type == RELEASE_EPISODE && same_title(r->title, show);
                        if (e >= 0) {
                                if (!(same && r->season >= 0 && s < 0))
                                        r->season = s;
                                r->episode = e;
                                r->episode_last = RELEASE_ABSENT;
                        } else if (r->type != RELEASE_EPISODE)
                                r->season = r->episode = r->episode_last = RELEASE_ABSENT;
                        if (!same)
                                r->year = 0;
                        copy_title(r->title, show);
                        r->type = RELEASE_EPISODE;
                        return;
                }
        }
        int created = parse_created_year(h->created);
        if (h->title && *h->title) {
                /* mpv says the file name; VLC its own guess from it */
                size_t n = strnlen(h->title, RELEASE_COMPONENT_MAX + 1);
                bool is_name = n == base_len && memcmp(h->title, base, n) == 0;
                const char *dot = NULL;
                for (size_t i = base_len; i > 0 && !dot; i--)
                        if (base[i - 1] == '.')
                                dot = base + i - 1;
                if (!is_name && dot && (size_t) (dot - base) == n && memcmp(h->title, base, n) == 0)
                        is_name = true;
                if (is_name)
                        goto year_only;
                ReleaseInfo t;
                {
                        Comp c;
                        Guess g;
                        comp_load(&c, h->title, n, false);
                        analyze(&c, false, -1, &g);
                        to_info(&g, &t);
                }
                if (weak_path && t.title[0] && ((t.type == RELEASE_EPISODE && t.episode >= 0) || t.type == RELEASE_MOVIE)) {
                        /* the hint names it: "The Expanse S01E02" (VLC), "Blade Runner" + 1982 (tags) */
                        t.extra = r->extra;
                        if (t.type == RELEASE_MOVIE && !t.year)
                                t.year = created;
                        *r = t;
                        return;
                }
                if (r->type == RELEASE_MOVIE && r->year == 0 && t.type == RELEASE_MOVIE && same_title(r->title, t.title))
                        r->year = t.year ? t.year : created;
                return;
        }
year_only:
        if (r->type == RELEASE_MOVIE && r->year == 0 && created)
                r->year = created;
}

void release_name_parse(const char *path, const ReleaseHints *hints, ReleaseInfo *ret) {
        *ret = (ReleaseInfo) { .season = RELEASE_ABSENT, .episode = RELEASE_ABSENT, .episode_last = RELEASE_ABSENT };
        if (!path)
                path = "";
        const char *comp[LEVELS];
        size_t len[LEVELS];
        int nc = split_path(path, comp, len);

        Comp c;
        Guess g[LEVELS];
        bool generic[LEVELS] = { false };
        /* the folders first: a season folder changes how the file name reads */
        for (int k = nc - 1; k >= 1; k--) {
                comp_load(&c, comp[k], len[k], false);
                analyze(&c, false, -1, &g[k]);
                generic[k] = generic_folder(comp[k], len[k]);
                if (specials_folder(comp[k], len[k])) {
                        g[k].type = RELEASE_EPISODE;
                        g[k].season_only = true;
                        g[k].season = 0;
                        g[k].title[0] = 0;
                }
        }
        bool season_dir = nc > 1 && g[1].season_only;
        if (nc > 0) {
                comp_load(&c, comp[0], len[0], true);
                analyze(&c, true, season_dir ? g[1].season : -1, &g[0]);
        } else
                g[0] = (Guess) { .season = -1, .episode = -1, .episode_last = -1 };
        ReleaseExtra extra = g[0].extra;
        if (!extra && nc > 1)
                extra = extra_folder(comp[1], len[1]);

        /* which component names it; an extras folder (Sample/, Extras/) stands for its parent */
        int pick = 0, par = nc > 2 && extra_folder(comp[1], len[1]) ? 2 : 1;
        const Guess *b = &g[0];
        bool b_episode = b->type == RELEASE_EPISODE && !b->season_only && (b->episode >= 0 || b->ay);
        if (nc > par && !generic[par] && !g[par].season_only) {
                const Guess *p = &g[par];
                if (strong_episode(p) && !(b_episode && b->strong))
                        pick = par; /* Show.S01E01.720p/tbbt101.avi, hashes, 160725_02.mkv */
                else if (!b_episode && b->year == 0 && !p->garbage && p->type == RELEASE_MOVIE && (p->year || p->ntags) &&
                         !(p->year == 0 && b->type == RELEASE_MOVIE && b->ntags > 0 && !b->garbage && same_title(b->title, p->title)))
                        pick = par; /* Primer (2004)/Primer.mkv, Movie.2019.1080p-GRP/grp-m.mkv */
        }
        /* hashed names inside hashed folders: go up while nothing better */
        if (pick == 0 && (b->garbage || b->type == RELEASE_UNKNOWN))
                for (int k = 1; k < nc; k++) {
                        if (generic[k] || g[k].season_only)
                                break;
                        if (!g[k].garbage && g[k].type != RELEASE_UNKNOWN) {
                                pick = k;
                                break;
                        }
                }
        Guess r = g[pick];
        if (pick > 0 && strong_episode(&g[pick]) && b_episode && b->strong && b->season == r.season && b->episode == r.episode &&
            !r.title[0])
                r = *b;
        /* the same thing named by its release folder, the file name with more in front
         * ("blow-how.to.be.single", "The Power of Suggestion - Mind Field S2 (Ep 6)") */
        if (pick == 0 && nc > 1 && !generic[1] && g[1].type == r.type && g[1].year == r.year && g[1].season == r.season &&
            g[1].episode == r.episode && title_suffix(g[1].title, r.title))
                copy_title(r.title, g[1].title);

        if (r.type == RELEASE_EPISODE && pick == 0) {
                /* the season from a season folder, the show from the show's folder */
                int show = -1;
                if (season_dir) {
                        if (r.season < 0 && !r.ay)
                                r.season = g[1].season;
                        if (g[1].title[0] && !g[1].garbage)
                                show = 1;
                        else if (nc > 2 && !g[2].garbage && !g[2].strong && g[2].title[0])
                                show = 2;
                } else if (nc > 1 && !generic[1] && !g[1].garbage && g[1].title[0] && !strong_episode(&g[1]) &&
                           g[1].type != RELEASE_UNKNOWN)
                        show = 1;
                if (show > 0) {
                        const Guess *s = &g[show];
                        if (!r.title[0] || !has_letter(r.title) || r.leading || title_prefix(s->title, r.title)) {
                                copy_title(r.title, s->title);
                                r.year = s->year;
                        } else if (!r.year && same_title(s->title, r.title))
                                r.year = s->year;
                }
        }
        if (r.type == RELEASE_EPISODE && pick == 1 && nc > 2 && !r.title[0] && !generic[2] && g[2].title[0] && !g[2].garbage)
                copy_title(r.title, g[2].title);
        if (r.type == RELEASE_MOVIE && pick == 0 && r.year == 0 && nc > 1 && !generic[1] && g[1].year && same_title(g[1].title, r.title))
                r.year = g[1].year;
        if (r.season_only && r.episode < 0 && r.type == RELEASE_EPISODE && !r.title[0])
                r.type = RELEASE_UNKNOWN;

        to_info(&r, ret);
        ret->extra = extra;
        bool weak_path = ret->type == RELEASE_UNKNOWN ||
                         (ret->type == RELEASE_MOVIE && ret->year == 0 && r.ntags == 0 && g[0].ntags == 0 && !r.strong) || r.garbage;
        if (hints)
                apply_hints(nc > 0 ? comp[0] : "", nc > 0 ? len[0] : 0, hints, ret, weak_path);
        if (ret->episode < 0 || ret->episode_last <= ret->episode)
                ret->episode_last = RELEASE_ABSENT;
        if (ret->type == RELEASE_MOVIE)
                ret->season = ret->episode = RELEASE_ABSENT;
}

bool release_info_nameable(const ReleaseInfo *info) {
        if (info->extra != RELEASE_EXTRA_NONE || !info->title[0])
                return false;
        if (info->type == RELEASE_MOVIE)
                return true;
        return info->type == RELEASE_EPISODE && info->season >= 0 && info->episode >= 0;
}

/* ---------------------------------------------------------------- JSON */

typedef struct Out {
        char *buf;
        size_t n, k; /* capacity, length wanted so far */
} Out;

static void out_raw(Out *o, const char *s, size_t n) {
        if (o->k < o->n) {
                size_t room = o->n - o->k - 1;
                memcpy(o->buf + o->k, s, n < room ? n : room);
        }
        o->k += n;
}

static void out_str(Out *o, const char *s) {
        out_raw(o, s, strlen(s));
}

static void out_int(Out *o, int v) {
        char tmp[16];
        size_t k = sizeof tmp;
        unsigned u = v < 0 ? 0u - (unsigned) v : (unsigned) v;
        do {
                tmp[--k] = (char) ('0' + u % 10);
                u /= 10;
        } while (u);
        if (v < 0)
                tmp[--k] = '-';
        out_raw(o, tmp + k, sizeof tmp - k);
}

static void out_json_string(Out *o, const char *s) {
        static const char hex[] = "0123456789abcdef";
        out_raw(o, "\"", 1);
        for (; *s; s++) {
                unsigned char ch = (unsigned char) *s;
                if (ch == '"' || ch == '\\') {
                        char e[2] = { '\\', (char) ch };
                        out_raw(o, e, 2);
                } else if (ch < 0x20 || ch == 0x7f) {
                        char e[6] = { '\\', 'u', '0', '0', hex[ch >> 4], hex[ch & 15] };
                        out_raw(o, e, 6);
                } else
                        out_raw(o, s, 1);
        }
        out_raw(o, "\"", 1);
}

size_t release_info_to_json(const ReleaseInfo *info, char *buf, size_t n) {
        Out o = { .buf = buf, .n = n };
        bool first = true;
#define KEY(k)                                   \
        do {                                     \
                out_str(&o, first ? "{\"" : ",\""); \
                out_str(&o, k);                  \
                out_str(&o, "\":");              \
                first = false;                   \
        } while (0)
        if (info->extra == RELEASE_EXTRA_NONE && (info->type == RELEASE_MOVIE || info->type == RELEASE_EPISODE)) {
                KEY("type");
                out_json_string(&o, info->type == RELEASE_MOVIE ? "movie" : "episode");
        }
        if (info->title[0]) {
                /* the title is valid UTF-8 by construction; keep it so if a caller filled it */
                char t[RELEASE_TITLE_MAX];
                copy_title(t, info->title);
                sanitize_utf8(t);
                KEY("title");
                out_json_string(&o, t);
        }
        if (info->year > 0) {
                KEY("year");
                out_int(&o, info->year);
        }
        if (info->season >= 0) {
                KEY("season");
                out_int(&o, info->season);
        }
        if (info->episode >= 0) {
                KEY("episode");
                out_int(&o, info->episode);
        }
#undef KEY
        out_str(&o, first ? "{}" : "}");
        if (n > 0)
                buf[o.k < n ? o.k : n - 1] = 0;
        return o.k;
}

int release_info_write_json(const ReleaseInfo *info, FILE *f) {
        char buf[RELEASE_JSON_MAX];
        release_info_to_json(info, buf, sizeof buf);
        if (fputs(buf, f) < 0 || fputc('\n', f) == EOF)
                return -EIO;
        return 0;
}
