#ifndef CFFMPEG_SUPPORT_H
#define CFFMPEG_SUPPORT_H

#include <stddef.h>

/// Installs an av_log callback that keeps the last error-level line logged on the calling
/// thread (thread-local), so a failing call can report FFmpeg's own reason, and silences the
/// default stderr printing. Idempotent.
void cffmpeg_install_log_capture(void);

/// Copies the last captured FFmpeg error line of this thread into buf (NUL-terminated) and
/// clears it. Returns the number of bytes written, 0 if none.
size_t cffmpeg_take_last_log(char *buf, size_t size);

/// Clears this thread's captured line.
void cffmpeg_clear_last_log(void);

/// Caps glibc's malloc arenas (mallopt(M_ARENA_MAX)); malloc.h does not import into Swift.
void cffmpeg_limit_malloc_arenas(int count);
/// Returns freed heap memory above `bytes` to the system and serves larger blocks with mmap
/// (mallopt(M_TRIM_THRESHOLD / M_MMAP_THRESHOLD)), instead of glibc's adaptive thresholds that
/// keep up to 32 MiB per arena.
void cffmpeg_limit_malloc_retention(int bytes);
/// Asks the kernel to reclaim the pages of a range (madvise(MADV_PAGEOUT)); -1 where unsupported.
int cffmpeg_page_out(void *address, size_t length);

#endif
