#include "CFFmpegSupport.h"
#include <libavutil/log.h>
#include <stdio.h>
#include <string.h>
#include <pthread.h>

static _Thread_local char last_line[512];
static pthread_once_t once = PTHREAD_ONCE_INIT;

static void capture(void *avcl, int level, const char *fmt, va_list vl) {
    (void)avcl;
    if (level > AV_LOG_ERROR) return;
    char line[512];
    vsnprintf(line, sizeof line, fmt, vl);
    size_t n = strlen(line);
    while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r')) line[--n] = '\0';
    if (n == 0) return;
    memcpy(last_line, line, n + 1);
}

static void install(void) { av_log_set_callback(capture); }

void cffmpeg_install_log_capture(void) { pthread_once(&once, install); }

size_t cffmpeg_take_last_log(char *buf, size_t size) {
    if (size == 0) return 0;
    size_t n = strnlen(last_line, sizeof last_line);
    if (n >= size) n = size - 1;
    memcpy(buf, last_line, n);
    buf[n] = '\0';
    last_line[0] = '\0';
    return n;
}

void cffmpeg_clear_last_log(void) { last_line[0] = '\0'; }
