/*
 * ioc/ioc.h - the whole connector SDK in one include.
 *
 *   ioc/connector.h  the descriptor a plugin exports, its config table
 *   ioc/record.h     ioc_emit(): hand a metric value to the daemon
 *   ioc/http.h       ioc_http_request(): fetch through the daemon
 *   ioc/host.h       ioc_log(), saved state, ioc_stopping()
 *   ioc/page.h       ioc_page_walk(): a paginated feed, whole or nothing
 *   ioc/time.h       ioc_time_parse(): RFC 3339 as the daemon reads it
 *
 * Start from connectors/example/example.c; README "Writing a connector".
 */
#ifndef IOC_IOC_H
#define IOC_IOC_H

#include "ioc/connector.h"
#include "ioc/host.h"
#include "ioc/http.h"
#include "ioc/page.h"
#include "ioc/record.h"
#include "ioc/time.h"

#endif
