/* SPDX-License-Identifier: MIT */
#pragma once

#include "context.h"
#include "http.h"

/* Authenticated calls to Trakt's API on top of the HTTP engine.
 *
 * trakt_api() adds the Bearer token and keeps it fresh: before a call whose
 * token is near its end (a fraction of the lifetime Trakt gave, measured from
 * created_at + expires_in — never a hard-coded lifetime) it refreshes first;
 * on a 401 it refreshes once and sends the call again. Refreshes are
 * single-flight: calls arriving meanwhile wait for the one refresh. The
 * rotated pair is stored (one transaction) before it is used. A refresh that
 * Trakt answers with invalid_grant puts State to "expired"; transient failures
 * (network, 5xx, 429) keep the tokens.
 *
 * The callback gets the final response; when there is no usable token it gets
 * a synthetic one with status 401 and an error sentence. */

typedef struct TraktCall TraktCall;

int trakt_api(Context *c, HttpMethod method, const char *path, const char *body, unsigned flags,
              HttpCallback cb, void *userdata, TraktCall **ret);
void trakt_call_cancel(TraktCall *call);

/* Unauthenticated POST to an OAuth endpoint: at config auth_url first (Trakt's
 * 2026 auth.trakt.tv), or at the host that worked last time (remembered in the
 * state database); when that host does not serve OAuth (no answer, 404, a web
 * page) the other one (auth_fallback_url, the API host) is tried once. cb gets
 * the final answer. Cancel with trakt_oauth_cancel() (never after cb ran). */
typedef struct TraktOAuth TraktOAuth;
int trakt_oauth(Context *c, const char *path, const char *body, unsigned flags, HttpCallback cb, void *userdata,
                TraktOAuth **ret);
void trakt_oauth_cancel(TraktOAuth *q);

/* Arm the timer that refreshes the token ahead of its end (call after storing tokens). */
void trakt_client_schedule_refresh(Context *c);
void trakt_client_done(Context *c);

/* The margin before expiry at which we refresh: a tenth of the lifetime,
 * at least 60 s (exposed for tests). */
int64_t trakt_refresh_margin(int64_t lifetime_sec);
