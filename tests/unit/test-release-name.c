/* SPDX-License-Identifier: MIT */
/* The release-name parser (clients/mpris/release-name.c), behaviour by
 * behaviour. The corpus of real names is test-release-name-corpus.c. */
#include <glib.h>
#include <string.h>

#include "release-name.h"

#define NO RELEASE_ABSENT

static ReleaseInfo parse_h(const char *path, const ReleaseHints *h) {
        ReleaseInfo r;
        memset(&r, 0xaa, sizeof r);
        release_name_parse(path, h, &r);
        g_assert_true(g_utf8_validate(r.title, -1, NULL));
        return r;
}

static ReleaseInfo parse(const char *path) {
        return parse_h(path, NULL);
}

static void expect(const ReleaseInfo *r, const char *what, ReleaseType type, const char *title, int year, int season, int episode) {
        if (r->type != type || strcmp(r->title, title) != 0 || r->year != year || r->season != season || r->episode != episode) {
                char js[RELEASE_JSON_MAX];
                release_info_to_json(r, js, sizeof js);
                g_error("'%s': got type %d %s, wanted type %d title '%s' year %d season %d episode %d", what, r->type, js, type,
                        title, year, season, episode);
        }
}

static void episode(const char *path, const char *title, int year, int season, int ep) {
        ReleaseInfo r = parse(path);
        expect(&r, path, RELEASE_EPISODE, title, year, season, ep);
        g_assert_cmpint(r.extra, ==, RELEASE_EXTRA_NONE);
}

static void movie(const char *path, const char *title, int year) {
        ReleaseInfo r = parse(path);
        expect(&r, path, RELEASE_MOVIE, title, year, NO, NO);
        g_assert_cmpint(r.extra, ==, RELEASE_EXTRA_NONE);
}

static void unknown(const char *path) {
        ReleaseInfo r = parse(path);
        if (r.type != RELEASE_UNKNOWN)
                g_error("'%s': type %d title '%s', wanted unknown", path, r.type, r.title);
}

static void test_episode_markers(void) {
        episode("The.Expanse.S01E02.1080p.mkv", "The Expanse", 0, 1, 2);
        episode("the.expanse.s1e2.mkv", "the expanse", 0, 1, 2);
        episode("Show Name - S01.E03 - My Ep Name.avi", "Show Name", 0, 1, 3);
        episode("Red Show - S02 - E06 - Parallel Series", "Red Show", 0, 2, 6);
        episode("The Office - S06xE01.avi", "The Office", 0, 6, 1);
        episode("/media/Foo/Foo s01x01", "Foo", 0, 1, 1);
        episode("Super.Series.S01.Ep06.1080p.BluRay.DTS.x264-MiR", "Super Series", 0, 1, 6);
        episode("Series.Title.S01EP01.English.AC3.DL.1080p.BluRay-Sonarr", "Series Title", 0, 1, 1);
        episode("show.name.1x02.hdtv.avi", "show name", 0, 1, 2);
        episode("Downton Abbey 05x06 HDTV x264-FoV", "Downton Abbey", 0, 5, 6);
        episode("Show Name Season 1 Episode 2 Ep Name.mkv", "Show Name", 0, 1, 2);
        episode("Show Name - Saison 3 Episode 4.mkv", "Show Name", 0, 3, 4);
        episode("Show Name - Temporada 4 [HDTV][Cap.408][Espanol Castellano]", "Show Name", 0, 4, 8);
        episode("Something.Season.2.1of4.Ep.Title.HDTV", "Something", 0, 2, 1);
        episode("BBC The Story of China 1 of 6 - Ancestors.mkv", "BBC The Story of China", 0, NO, 1);
        episode("Naruto Shippuden Episode 366 VOSTFR.avi", "Naruto Shippuden", 0, NO, 366);
        episode("Season 2/Episode - 16.avi", "", 0, 2, 16);
        episode("One.Piece.E576.VOSTFR.720p.HDTV.x264-MARINE-FORD.mkv", "One Piece", 0, NO, 576);
        episode("The Big Bang Theory S00E00 Unaired Pilot VOSTFR TVRip XviD-VioCs", "The Big Bang Theory", 0, 0, 0);
        episode("Pawn.Stars.S2014E18.720p.HDTV.x264-KILLERS", "Pawn Stars", 0, 2014, 18);
        episode("[SubsPlease] Show Title S2 - 03 (1080p) [63501322].mkv", "Show Title", 0, 2, 3);
        episode("[Erai-raws] Long Title 2nd Season - 12 END [1080p].mkv", "Long Title", 0, 2, 12);
        /* the marker wins over numbers in the title */
        episode("24.S05E07.FRENCH.DVDRip.XviD-FiXi0N.avi", "24", 0, 5, 7);
        episode("Warehouse.13.S01E01.mkv", "Warehouse 13", 0, 1, 1);
        episode("Heavy.Rescue.401.S02E10.480p.x264-mSD", "Heavy Rescue 401", 0, 2, 10);
        /* no marker in a word: Episode IV, x264, 1920x1080, E.T., U.N.C.L.E. */
        movie("Star Wars: Episode IV - A New Hope (1977).mkv", "Star Wars: Episode IV - A New Hope", 1977);
        movie("The.Movie.from.U.N.C.L.E.2015.1080p.BluRay.x264-SPARKS", "The Movie from U.N.C.L.E.", 2015);
        movie("Violet Evergarden Gaiden [BDRip 1920x804 HEVC].mkv", "Violet Evergarden Gaiden", 0);
}

static void test_multi_episode(void) {
        struct {
                const char *name;
                int season, first, last;
        } cases[] = {
                { "Example.S01E01E02.avi", 1, 1, 2 },
                { "Example.S01E01-E03.avi", 1, 1, 3 },
                { "Example S01E01-02.avi", 1, 1, 2 },
                { "Example.1x01x02.avi", 1, 1, 2 },
                { "Example - 1x01-x03 - Title.avi", 1, 1, 3 },
                { "Example.S01E02.S01E03.HDTV.XViD-Group", 1, 2, 3 },
                { "Example.S01E02.HDTV.XViD-Group", 1, 2, NO },
                { "Series.Title.103.104.720p.HDTV.X264-DIMENSION", 1, 3, 4 },
        };
        for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
                ReleaseInfo r = parse(cases[i].name);
                g_assert_cmpint(r.type, ==, RELEASE_EPISODE);
                g_assert_cmpint(r.season, ==, cases[i].season);
                g_assert_cmpint(r.episode, ==, cases[i].first);
                g_assert_cmpint(r.episode_last, ==, cases[i].last);
        }
}

static void test_bare_numbers(void) {
        /* packed season and episode */
        episode("Show.Name.102.HDTV.XViD.Etc-Group", "Show Name", 0, 1, 2);
        episode("FooBar.0307.PDTV-FlexGet", "FooBar", 0, 3, 7);
        episode("the.100.109.hdtv-lol.mp4", "the 100", 0, 1, 9);
        episode("series.2009.416.hdtv-lol", "series", 2009, 4, 16);
        /* a bare episode number */
        episode("Neverwhere.05.Down.Street.avi", "Neverwhere", 0, NO, 5);
        episode("Test.13.HDTV-FlexGet", "Test", 0, NO, 13);
        /* anime: [Group] Show - 05 [1080p] is episode 5 of no known season */
        episode("[Group] Show - 05 [1080p].mkv", "Show", 0, NO, 5);
        episode("[HorribleSubs] Series Title 21 - 101 [480p].mkv", "Series Title 21", 0, NO, 101);
        episode("[Doremi].Some.Anime.Show.8.Go!.31.[1280x720].[C65D4B1F].mkv", "Some Anime Show 8 Go!", 0, NO, 31);
        episode("[SubsPlease] Series Title - 100 Years Quest - 01 (1080p).mkv", "Series Title - 100 Years Quest", 0, NO, 1);
        episode("Some Anime Show - 031 - The Resolution to Kill [Lunar].avi", "Some Anime Show", 0, NO, 31);
        episode("[DeadFish] 01 - Tari Tari [BD][720p][AAC].mp4", "Tari Tari", 0, NO, 1);
        episode("003. Show Name - Ep Name.avi", "Show Name", 0, NO, 3);
        episode("03-Criminal.Minds.avi", "Criminal Minds", 0, NO, 3);
        /* all in brackets */
        episode("[CASO&Sumisora][Oda_Nobuna_no_Yabou][04][BDRIP][1920x1080][x264_AAC][7620E503].mp4", "Oda Nobuna no Yabou", 0, NO, 4);
        /* a one-digit number before the year is the title's */
        movie("The Wolf of Wall Street - 2 (2013).mkv", "The Wolf of Wall Street - 2", 2013);
        /* a number in a film's title is not an episode */
        movie("FooBar.7.PDTV-FlexGet", "FooBar 7", 0);
        movie("Die.Schluempfe.2.German.DL.1080p.BluRay.x264-EXQUiSiTE.mkv", "Die Schluempfe 2", 0);
        movie("12.Angry.Men.1957.mkv", "12 Angry Men", 1957);
        movie("[Arid] 5 Centimeters per Second (BDRip 1920x1080 Hi10 FLAC) [FD8B6FF2].mkv", "5 Centimeters per Second", 0);
        movie("[Baws] Evangelion 1.11 - You Are Alone v2 (1080p BD HEVC FLAC).mkv", "Evangelion 1.11 - You Are Alone", 0);
}

static void test_movies_and_years(void) {
        movie("Primer (2004).mkv", "Primer", 2004);
        movie("Movie.Title.2019.2160p.UHD.BluRay.x265-GROUP.mkv", "Movie Title", 2019);
        movie("Blade Runner 2049 (2017).mkv", "Blade Runner 2049", 2017);
        movie("Blade.Runner.2049.2017.1080p.mkv", "Blade Runner 2049", 2017);
        movie("1917.2019.1080p.mkv", "1917", 2019);
        movie("1917.mkv", "1917", 0);
        movie("2001.A.Space.Odyssey.1968.HDDVD.1080p.DTS.x264.mkv", "2001 A Space Odyssey", 1968);
        movie("2012.2009.720p.BluRay.x264.DTS WiKi.mkv", "2012", 2009);
        movie("Movie.Klasse.von.1999.1990.German.720p.HDTV.x264-NORETAiL", "Movie Klasse von 1999", 1990);
        movie("Der.Movie.James.German.Bluray.FuckYou.Pso.Why.cant.you.follow.scene.rules.1998", "Der Movie James", 1998);
        movie("Casablanca [Ultimate Collector's Edition].1942.BRRip.XviD-VLiS", "Casablanca", 1942);
        movie("(1995) Movie Name", "Movie Name", 1995);
        movie("My Movie (1997) - GreatestReleaseGroup 2019.mp4", "My Movie", 1997); /* the year in brackets */
        movie("Captain.America.Civil.War.HDR.1080p.HEVC.10bit.BT.2020.DTS-HD.MA.7.1", "Captain America Civil War", 0);
        /* years from 1890 to 2039 */
        movie("Leaving Movie by Movie (1897) [DVD].mp4", "Leaving Movie by Movie", 1897);
        movie("Some Title (1889).mkv", "Some Title", 0);
        movie("Some.Title.2040.mkv", "Some Title 2040", 0);
}

static void test_episode_year(void) {
        episode("Doctor.Who.2005.S04E06.FRENCH.LD.DVDRip.XviD-TRACKS.avi", "Doctor Who", 2005, 4, 6);
        episode("Series Title-0 (2010) - 1x05 - Title", "Series Title-0", 2010, 1, 5);
        episode("[Judas] Series Title (2024) - S01E14", "Series Title", 2024, 1, 14);
        /* a year after the marker is the episode's, not the show's */
        episode("Breaking.Bad.S01E01.2008.BluRay.VC1.1080P.5.1.WMV-NOVO", "Breaking Bad", 0, 1, 1);
        episode("Mastercook Italia - Stagione 6 (2016) 720p ep13 spyro.mkv", "Mastercook Italia", 0, 6, 13);
}

static void test_tags(void) {
        movie("Hacksaw Ridge 2016 Multi 2160p UHD BluRay Hevc10 HDR10 DTSHD & ATMOS 7.1 -DDR.mkv", "Hacksaw Ridge", 2016);
        movie("Ghost.in.the.Shell.1995.1080p.Bluray.DTSES.x264-SHiTSoNy", "Ghost in the Shell", 1995);
        movie("Foo.Bar.2021.DV.2160p.WEB-DL.x265-ASDF", "Foo Bar", 2021);
        /* an edition word ends the title, before a year too */
        movie("World.Movie.Z.EXTENDED.2013.German.DL.1080p.BluRay.AVC-XANOR", "World Movie Z", 2013);
        movie("Alien.Director.Cut.Ita.Eng.VP9.Opus.AlphaBot.webm", "Alien", 0);
        movie("The.Dark.Knight.IMAX.EDITION.HQ.BluRay.1080p.x264.AC3", "The Dark Knight", 0);
        movie("Baraka_Edition_Collector.avi", "Baraka", 0);
        /* a language before the year is the title's (The Good German); after it, a tag */
        movie("The.Good.German.2006.720p.BluRay.x264-RlsGrp", "The Good German", 2006);
        movie("Johnny.English.2003.1080p.BluRay.x264", "Johnny English", 2003);
        movie("Valana la Movie TRUEFRENCH BluRay 720p 2016 kjhlj", "Valana la Movie", 2016);
        movie("The.Girl.in.the.Spiders.Web.2019.1080p.WEB-DL.x264.AC3-EVO.mkv", "The Girl in the Spiders Web", 2019);
        /* brackets, groups, sites, leading tags */
        movie("Amélie (2001) [1080p].mkv", "Amélie", 2001);
        movie("A Bout Portant (The Killers).PAL.Multi.DVD-R-KZ", "A Bout Portant", 0);
        movie("[XCT].Le.Prestige.(The.Prestige).DVDRip.[x264.HP.He-Aac.{Fr-Eng}.St{Fr-Eng}.Chaps].mkv", "Le Prestige", 0);
        movie("[nextorrent.org] Bienvenue.Au.Gondwana.2016.FRENCH.DVDRiP.XViD-AViTECH.avi", "Bienvenue Au Gondwana", 2016);
        movie("www.Torrenting.com - Movie.2008.720p.X264-DIMENSION", "Movie", 2008);
        movie("www.1Site.sbs - Lucky Man (2023) [Tamil - 720p HQ HDRip - x265].mkv", "Lucky Man", 2023);
        movie("h265 - HEVC Riddick Unrated Director Cut French 1080p DTS.mkv", "Riddick", 0);
        movie("Kampen Om Tungtvannet aka The Heavy Water War 720p x265.mkv", "Kampen Om Tungtvannet", 0);
        movie("Howl's_Moving_Castle_(2004)_[720p,HDTV,x264,DTS]-FlexGet.avi", "Howl's Moving Castle", 2004);
        episode("[Kaerizaki-Fansub]_One_Piece_679_[VOSTFR][HD_1280x720]_V2.mp4", "One Piece", 0, NO, 679);
        episode("[.www.site.com.].-.Snooze.and.Go.Sleep.S03E02.1080p.HEVC.x265-MeGusta", "Snooze and Go Sleep", 0, 3, 2);
        episode("Show_Name.1x02.HDTV_XViD_Etc-Group", "Show Name", 0, 1, 2);
        episode("我的人间烟火.Fireworks.Series.S01E01.2023.V2.1080p.WEB-DL.H264.AAC-SeeWEB", "Fireworks Series", 0, 1, 1);
}

static void test_titles(void) {
        episode("Marvels.Agents.of.S.H.I.E.L.D.S01E06.720p.HDTV.X264-DIMENSION.mkv", "Marvels Agents of S.H.I.E.L.D.", 0, 1, 6);
        episode("S.W.A.T.2017.S01E16.READNFO.720p.HDTV.x264-KILLERS", "S.W.A.T.", 2017, 1, 16);
        episode("Series/Simpsons/Saison 12/Simpsons,.The.12x08.A.Bas.Le.Sergent.Skinner.FR.avi", "The Simpsons", 0, 12, 8);
        episode("The.Office.US.S01E01.mkv", "The Office", 0, 1, 1);
        episode("The.Office.(US).1x03.Health.Care.HDTV.XviD-LOL.avi", "The Office", 0, 1, 3);
        episode("Da Vinci's Demons - 1x04 - The Magician.mkv", "Da Vinci's Demons", 0, 1, 4);
        episode("Series Title - S02E21 - 94 Meetings - 720p TV.mkv", "Series Title", 0, 2, 21);
        episode("24-7 Series - Title - Road to the Sonarr - S01E03 - Episode 3.mkv", "24-7 Series - Title - Road to the Sonarr", 0, 1, 3);
        movie("Mr. Nobody (2009).mkv", "Mr. Nobody", 2009);
        movie("Dr.Seuss.The.Lorax.2012.DVDRip.mp4", "Dr Seuss The Lorax", 2012);
        movie("X-Men.Apocalypse.2016.complete.hdts.pcm.TrueFrench-Scarface45.avi", "X-Men Apocalypse", 2016);
        movie("(500).Days.Of.Movie.(2009).DTS.1080p.BluRay.x264.NLsubs", "(500) Days Of Movie", 2009);
        movie("Pokémon.Le.Film.2000.mkv", "Pokémon Le Film", 2000);
        /* at most RELEASE_TITLE_MAX - 1 bytes, cut on a character */
        GString *s = g_string_new(NULL);
        for (int i = 0; i < 100; i++) /* 100 words of 2 bytes: 299 bytes of title */
                g_string_append(s, "é.");
        g_string_append(s, "2001.mkv");
        ReleaseInfo r = parse(s->str);
        g_assert_cmpint(r.type, ==, RELEASE_MOVIE);
        g_assert_cmpint(r.year, ==, 2001);
        g_assert_cmpuint(strlen(r.title), <=, RELEASE_TITLE_MAX - 1);
        g_assert_cmpuint(strlen(r.title), >, 100);
        g_string_free(s, TRUE);
}

static void test_folders(void) {
        episode("/media/tv/The Expanse/Season 01/02 - CQB.mkv", "The Expanse", 0, 1, 2);
        episode("/media/tv/The Expanse (2015)/S01/E03 - Remember the Cant.mkv", "The Expanse", 2015, 1, 3);
        episode("/tv/Show Name (2015)/Season 2/Show.Name.S02E05.720p.mkv", "Show Name", 2015, 2, 5);
        episode("/Test/Series/Season 01/01 Pilot (1080p HD).mkv", "Series", 0, 1, 1);
        episode("/tv/Show/Season 2/16 - 12 Some Title.avi", "Show", 0, 2, 16);
        episode("/tv/Show/Season 2/02.avi", "Show", 0, 2, 2);
        episode("The Simpsons/02-Ep Name.avi", "The Simpsons", 0, NO, 2);
        episode("Season 21/One Piece 1001.mkv", "One Piece", 0, 21, 1001); /* not 10x01: the folder says 21 */
        episode("Case Closed (1996-2007)/Case Closed - 317.mkv", "Case Closed", 1996, NO, 317);
        episode("/tv shows/series title/Specials/S00E16 - Dear Title - SD TV.avi", "series title", 0, 0, 16);
        episode("/Downloads/tv/Series.Title.S01E01.720p.HDTV/ajifajjjeaeaeqwer_eppj.avi", "Series Title", 0, 1, 1);
        episode("Zoo.S02E05.1080p.WEB-DL.DD5.1.H.264.HKD/160725_02.mkv", "Zoo", 0, 2, 5);
        episode("/x/Hells.Kitchen.US.S17E08.1080p.HEVC.x265-MeGusta-Obfuscated/c48db7d2aeb040e8a920a9fd6effcbf4.mkv",
                "Hells Kitchen", 0, 17, 8);
        episode("/x/Mr.Robot.S02E12.1080p.WEB-DL.DD5.1-NL.Subs/sbuS LN-1.5DD LD-BEW p0801 21E20S toboR .rM.mkv", "Mr Robot", 0, 2, 12);
        episode("Series/Kaamelott/Kaamelott - Livre V - Ep 23 - Le Forfait.avi", "Kaamelott", 0, NO, 23);
        movie("Movies/Primer (2004)/Primer.mkv", "Primer", 2004);
        movie("/films/Movie.Title.2019.1080p.BluRay.x264-GRP/grp-mt1080.mkv", "Movie Title", 2019);
        movie("movies/Charlie.And.Boots.DVDRip.XviD-TheWretched/wthd-cab.avi", "Charlie And Boots", 0);
        movie("/share/Download/movie/Dead Man Down (2013) BRRiP XViD DD5_1/XD607ebb-BRc59935-5155473f-1c5f49/XD607ebb-BRc59935-5155473f-1c5f49.avi",
              "Dead Man Down", 2013);
        /* the file's own year wins; generic folders are no title */
        movie("/srv/Movies (2019)/Primer.2004.mkv", "Primer", 2004);
        episode("/home/me/Downloads/S01E02.mkv", "", 0, 1, 2);
        episode("/home/me/Videos/TV Shows/S01E02.mkv", "", 0, 1, 2);
        /* a trailing slash, doubled slashes */
        movie("/media//Primer (2004)//", "Primer", 2004);
}

static void test_daily(void) {
        const char *names[] = {
                "Real.Time.With.Bill.Maher.2014.10.31.HDTV.XviD-AFG.avi",
                "Real Time With Bill Maher - 2014-10-31 - Guests.mkv",
                "Real.Time.With.Bill.Maher.10-31-2014.HDTV.avi",
                "Real Time With Bill Maher 20141031 720p.mkv",
        };
        for (size_t i = 0; i < G_N_ELEMENTS(names); i++) {
                ReleaseInfo r = parse(names[i]);
                expect(&r, names[i], RELEASE_EPISODE, "Real Time With Bill Maher", 0, NO, NO);
                g_assert_cmpint(r.aired_year, ==, 2014);
                g_assert_cmpint(r.aired_month, ==, 10);
                g_assert_cmpint(r.aired_day, ==, 31);
                g_assert_false(release_info_nameable(&r));
        }
        /* numbers win over a date */
        episode("The Show Series 2015 02 09 WEBRIP s01e13", "The Show Series", 0, 1, 13);
        ReleaseInfo r = parse("2011.01.10 - A Late Talk Show- HD TV.mkv");
        expect(&r, "leading date", RELEASE_EPISODE, "A Late Talk Show", 0, NO, NO);
}

static void extra(const char *path, ReleaseExtra want, ReleaseType type, const char *title) {
        ReleaseInfo r = parse(path);
        if (r.extra != want || r.type != type || strcmp(r.title, title) != 0)
                g_error("'%s': extra %d type %d title '%s'", path, r.extra, r.type, r.title);
        g_assert_false(release_info_nameable(&r));
}

static void test_extras(void) {
        extra("dcs.legends.of.tomorrow.s02e01.720p.bluray.x264-demand.sample.mkv", RELEASE_EXTRA_SAMPLE, RELEASE_EPISODE,
              "dcs legends of tomorrow");
        extra("/m/Primer.2004.1080p-GRP/primer-1080p-sample.mkv", RELEASE_EXTRA_SAMPLE, RELEASE_MOVIE, "Primer");
        extra("/m/Primer.2004.1080p-GRP/Sample/grp-primer.mkv", RELEASE_EXTRA_SAMPLE, RELEASE_MOVIE, "Primer");
        extra("sample.mkv", RELEASE_EXTRA_SAMPLE, RELEASE_UNKNOWN, "");
        extra("Movies/Primer (2004)/Primer (2004)-trailer.mkv", RELEASE_EXTRA_TRAILER, RELEASE_MOVIE, "Primer");
        extra("Movies/Primer (2004)/Trailers/Teaser.mkv", RELEASE_EXTRA_TRAILER, RELEASE_MOVIE, "Primer");
        extra("Movies/Primer (2004)/Extras/Making of.mkv", RELEASE_EXTRA_BONUS, RELEASE_MOVIE, "Primer");
        extra("Movies/Primer (2004)/Featurettes/Behind the lab.mkv", RELEASE_EXTRA_BONUS, RELEASE_MOVIE, "Primer");
        extra("Primer (2004)-behindthescenes.mkv", RELEASE_EXTRA_BONUS, RELEASE_MOVIE, "Primer");
        extra("Ant-Man.and.the.Wasp.2018.Digital.Extras.1080p.AMZN.WEB-DL.mkv", RELEASE_EXTRA_BONUS, RELEASE_MOVIE, "Ant-Man and the Wasp");
        /* a word inside a title or a scene tag is not an extra */
        movie("The.Last.Survivors.2014.PROOF.SAMPLE.FiX.BDRip.x264-TOPCAT", "The Last Survivors", 2014);
        episode("Dr.Ken.S01E21.SAMPLEFIX.720p.HDTV.x264-SVA", "Dr Ken", 0, 1, 21);
        movie("The.Other.Guys.2010.mkv", "The Other Guys", 2010);
}

static void test_hints(void) {
        /* mpv: the title is the file name, ignored */
        ReleaseHints mpv = { .title = "The.Expanse.S01E02.1080p.mkv" };
        ReleaseInfo r = parse_h("/v/The.Expanse.S01E02.1080p.mkv", &mpv);
        expect(&r, "mpv", RELEASE_EPISODE, "The Expanse", 0, 1, 2);
        ReleaseHints mpv2 = { .title = "Primer (2004).mkv" };
        r = parse_h("/v/Primer (2004).mkv", &mpv2);
        expect(&r, "mpv movie", RELEASE_MOVIE, "Primer", 2004, NO, NO);
        /* VLC: its own guess, agreeing with the path */
        ReleaseHints vlc = { .title = "The Expanse S01E02" };
        r = parse_h("/v/The.Expanse.S01E02.1080p.mkv", &vlc);
        expect(&r, "vlc", RELEASE_EPISODE, "The Expanse", 0, 1, 2);
        /* tags of a file whose name says nothing */
        ReleaseHints tagged = { .title = "Blade Runner", .created = "1982-01-01T00:00:00" };
        r = parse_h("/v/tagged_movie_file.mkv", &tagged);
        expect(&r, "tagged movie", RELEASE_MOVIE, "Blade Runner", 1982, NO, NO);
        ReleaseHints tagged_ep = { .title = "The Expanse S01E02" };
        r = parse_h("/v/VID_0001.mkv", &tagged_ep);
        expect(&r, "tagged episode", RELEASE_EPISODE, "The Expanse", 0, 1, 2);
        /* the same movie by its title: the year from contentCreated */
        ReleaseHints amelie = { .title = "Amélie", .created = "2001" };
        r = parse_h("/v/Amelie.mkv", &amelie);
        expect(&r, "created year", RELEASE_MOVIE, "Amélie", 2001, NO, NO);
        /* an episode's own title never becomes the show */
        ReleaseHints midnight = { .title = "Midnight", .created = "2008-01-01T00:00:00" };
        r = parse_h("/v/Doctor.Who.2005.S04E10.mkv", &midnight);
        expect(&r, "episode title", RELEASE_EPISODE, "Doctor Who", 2005, 4, 10);
        /* a path with a year or a release tag outranks the hint */
        ReleaseHints other = { .title = "Something Else", .created = "1999" };
        r = parse_h("/v/Primer (2004).mkv", &other);
        expect(&r, "path wins", RELEASE_MOVIE, "Primer", 2004, NO, NO);
        /* contentCreated is an episode's air date, never a show's year */
        ReleaseHints created = { .created = "2008" };
        r = parse_h("/v/Show.S01E02.mkv", &created);
        expect(&r, "created episode", RELEASE_EPISODE, "Show", 0, 1, 2);
        /* Celluloid's raw tags name the episode */
        ReleaseHints celluloid = { .title = "Midnight", .show = "Doctor Who", .season = "4", .episode = "10", .created = "2008" };
        r = parse_h("/v/tagged_episode_file.mp4", &celluloid);
        expect(&r, "celluloid", RELEASE_EPISODE, "Doctor Who", 0, 4, 10);
        r = parse_h("/v/Doctor.Who.2005.S04E10.mp4", &celluloid);
        expect(&r, "celluloid + path", RELEASE_EPISODE, "Doctor Who", 2005, 4, 10);
        ReleaseHints show_only = { .show = "Doctor Who" };
        r = parse_h("/v/Doctor.Who.2005.S04E10.mp4", &show_only);
        expect(&r, "show tag only", RELEASE_EPISODE, "Doctor Who", 2005, 4, 10);
        /* hostile hints */
        ReleaseHints bad = { .title = "\xff\xfe\x01", .show = "\x01\x02", .season = "-4", .episode = "1e9", .created = "99999" };
        r = parse_h("/v/Primer (2004).mkv", &bad);
        expect(&r, "bad hints", RELEASE_MOVIE, "Primer", 2004, NO, NO);
        ReleaseHints bad2 = { .show = "Show", .season = "x", .episode = "12345678901" };
        r = parse_h("", &bad2);
        expect(&r, "bad numbers", RELEASE_EPISODE, "Show", 0, NO, NO);
        ReleaseHints empty = { .title = "", .show = "", .season = "", .episode = "", .created = "" };
        r = parse_h("/v/Primer (2004).mkv", &empty);
        expect(&r, "empty hints", RELEASE_MOVIE, "Primer", 2004, NO, NO);
}

static void test_bad_input(void) {
        unknown(NULL);
        unknown("");
        unknown("/");
        unknown("////");
        unknown(".mkv");
        unknown("1080p.x264.mkv");
        unknown("[1080p][x264][AAC].mkv");
        unknown("- - -");
        unknown("\x01\x02\x03");
        /* invalid UTF-8 stays out of the title */
        ReleaseInfo r = parse("Am\xe9lie.(2001).\xff\xc3.mkv");
        g_assert_cmpint(r.type, ==, RELEASE_MOVIE);
        g_assert_cmpint(r.year, ==, 2001);
        g_assert_true(g_utf8_validate(r.title, -1, NULL));
        g_assert_nonnull(strstr(r.title, "\xef\xbf\xbd"));
        /* a leftover escape from an undecoded URL */
        movie("Primer%20(2004).mkv", "Primer", 2004);
        /* huge: one component, many components, many tokens */
        GString *s = g_string_new("/");
        for (int i = 0; i < 100000; i++)
                g_string_append(s, "a/");
        g_string_append(s, "The.Expanse.S01E02.mkv");
        r = parse(s->str);
        expect(&r, "deep", RELEASE_EPISODE, "The Expanse", 0, 1, 2);
        g_string_assign(s, "");
        for (int i = 0; i < 100000; i++)
                g_string_append(s, "x.");
        r = parse(s->str);
        g_assert_cmpuint(strlen(r.title), <, RELEASE_TITLE_MAX);
        g_string_assign(s, "");
        for (int i = 0; i < 50000; i++)
                g_string_append(s, "\xc3\xa9");
        r = parse(s->str);
        g_assert_cmpuint(strlen(r.title), <, RELEASE_TITLE_MAX);
        g_string_free(s, TRUE);
        /* numbers too big for any field */
        r = parse("Show.S99999999E99999999.mkv");
        g_assert_true(r.season < 100000 && r.episode < 100000);
        r = parse("Show.99999999999999999999.mkv");
        g_assert_true(r.episode < 100000);
}

static void json(const ReleaseInfo *r, const char *want) {
        char buf[RELEASE_JSON_MAX];
        size_t n = release_info_to_json(r, buf, sizeof buf);
        g_assert_cmpstr(buf, ==, want);
        g_assert_cmpuint(n, ==, strlen(want));
}

static void test_json(void) {
        ReleaseInfo r = parse("Primer (2004).mkv");
        json(&r, "{\"type\":\"movie\",\"title\":\"Primer\",\"year\":2004}");
        r = parse("/media/tv/The Expanse/Season 01/02 - CQB.mkv");
        json(&r, "{\"type\":\"episode\",\"title\":\"The Expanse\",\"season\":1,\"episode\":2}");
        r = parse("Doctor.Who.2005.S00E01.mkv");
        json(&r, "{\"type\":\"episode\",\"title\":\"Doctor Who\",\"year\":2005,\"season\":0,\"episode\":1}");
        r = parse("Show - 05 [1080p].mkv");
        json(&r, "{\"type\":\"episode\",\"title\":\"Show\",\"episode\":5}");
        r = parse("");
        json(&r, "{}");
        r = parse("primer-sample.mkv");
        json(&r, "{\"title\":\"primer\"}"); /* an extra is no watch: no type */
        r = parse("Amélie (2001) [1080p].mkv");
        json(&r, "{\"type\":\"movie\",\"title\":\"Amélie\",\"year\":2001}");

        /* quotes, backslashes, control characters; a title set by hand */
        ReleaseInfo h = { .type = RELEASE_MOVIE, .season = NO, .episode = NO, .episode_last = NO };
        strcpy(h.title, "A \"B\" \\ C\x01\x1f\x7f");
        json(&h, "{\"type\":\"movie\",\"title\":\"A \\\"B\\\" \\\\ C\\u0001\\u001f\\u007f\"}");
        strcpy(h.title, "bad \xff utf8");
        json(&h, "{\"type\":\"movie\",\"title\":\"bad \xef\xbf\xbd utf8\"}");
        /* it is JSON */
        r = parse("The \"Quoted\" Show\\Name S01E02.mkv");
        char buf[RELEASE_JSON_MAX];
        release_info_to_json(&r, buf, sizeof buf);
        g_assert_nonnull(strstr(buf, "\\\""));

        /* a short buffer: cut and terminated, the whole length returned */
        r = parse("Primer (2004).mkv");
        char small[10];
        memset(small, 'x', sizeof small);
        size_t n = release_info_to_json(&r, small, sizeof small);
        g_assert_cmpuint(n, ==, strlen("{\"type\":\"movie\",\"title\":\"Primer\",\"year\":2004}"));
        g_assert_cmpstr(small, ==, "{\"type\":\"");
        g_assert_cmpuint(release_info_to_json(&r, NULL, 0), ==, n);

        /* the worst title fits RELEASE_JSON_MAX */
        memset(h.title, 0x01, RELEASE_TITLE_MAX - 1);
        h.title[RELEASE_TITLE_MAX - 1] = 0;
        h.year = 2039, h.season = 99999, h.episode = 99999;
        g_assert_cmpuint(release_info_to_json(&h, NULL, 0), <, RELEASE_JSON_MAX);

        /* the line on a stream */
        char *out = NULL;
        size_t len = 0;
        FILE *f = open_memstream(&out, &len);
        g_assert_cmpint(release_info_write_json(&r, f), ==, 0);
        fclose(f);
        g_assert_cmpstr(out, ==, "{\"type\":\"movie\",\"title\":\"Primer\",\"year\":2004}\n");
        free(out);
}

static void test_nameable(void) {
        ReleaseInfo r = parse("Primer.mkv");
        g_assert_true(release_info_nameable(&r));
        r = parse("The.Expanse.S01E02.mkv");
        g_assert_true(release_info_nameable(&r));
        r = parse("[Group] Show - 05 [1080p].mkv"); /* no season */
        g_assert_false(release_info_nameable(&r));
        r = parse("/home/me/Downloads/S01E02.mkv"); /* no show */
        g_assert_false(release_info_nameable(&r));
        r = parse("The.Expanse.S01.1080p.mkv"); /* a season, no episode */
        g_assert_false(release_info_nameable(&r));
        r = parse("");
        g_assert_false(release_info_nameable(&r));
}

int main(int argc, char **argv) {
        g_test_init(&argc, &argv, NULL);
        g_test_add_func("/release-name/episode-markers", test_episode_markers);
        g_test_add_func("/release-name/multi-episode", test_multi_episode);
        g_test_add_func("/release-name/bare-numbers", test_bare_numbers);
        g_test_add_func("/release-name/movies-and-years", test_movies_and_years);
        g_test_add_func("/release-name/episode-year", test_episode_year);
        g_test_add_func("/release-name/tags", test_tags);
        g_test_add_func("/release-name/titles", test_titles);
        g_test_add_func("/release-name/folders", test_folders);
        g_test_add_func("/release-name/daily", test_daily);
        g_test_add_func("/release-name/extras", test_extras);
        g_test_add_func("/release-name/hints", test_hints);
        g_test_add_func("/release-name/bad-input", test_bad_input);
        g_test_add_func("/release-name/json", test_json);
        g_test_add_func("/release-name/nameable", test_nameable);
        return g_test_run();
}
