/* SPDX-License-Identifier: MIT */
#pragma once

#include <systemd/sd-bus.h>

/* The contract's error namespace, declared once and shared by the daemon and
 * kinoctl (sd_bus_error_map maps them to errno values). */
#define KT_ERROR_PREFIX "org.kino.Trakt.Error."
#define KT_ERROR_NOT_CONFIGURED KT_ERROR_PREFIX "NotConfigured"
#define KT_ERROR_NOT_CONNECTED KT_ERROR_PREFIX "NotConnected"
#define KT_ERROR_ALREADY_CONNECTED KT_ERROR_PREFIX "AlreadyConnected"
#define KT_ERROR_AUTHORIZATION_PENDING KT_ERROR_PREFIX "AuthorizationPending"
#define KT_ERROR_BUSY KT_ERROR_PREFIX "Busy"
#define KT_ERROR_SYSTEM_LIST KT_ERROR_PREFIX "SystemList"
#define KT_ERROR_NOT_FOUND KT_ERROR_PREFIX "NotFound"
#define KT_ERROR_TRAKT_UNAVAILABLE KT_ERROR_PREFIX "TraktUnavailable"

extern const sd_bus_error_map kt_error_map[];
