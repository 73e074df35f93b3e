#include "CFFmpegSupport.h"
#include <malloc.h>
#include <sys/mman.h>

void cffmpeg_limit_malloc_arenas(int count) {
#ifdef M_ARENA_MAX
    mallopt(M_ARENA_MAX, count);
#endif
}

void cffmpeg_limit_malloc_retention(int bytes) {
    mallopt(M_TRIM_THRESHOLD, bytes);
    mallopt(M_MMAP_THRESHOLD, bytes);
}

int cffmpeg_page_out(void *address, size_t length) {
#ifdef MADV_PAGEOUT
    if (madvise(address, length, MADV_PAGEOUT) != 0) return -1;
    /* Pages faulted back in later come one by one, without read-ahead around them. */
    return madvise(address, length, MADV_RANDOM);
#else
    return -1;
#endif
}
