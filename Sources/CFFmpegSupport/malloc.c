#include "CFFmpegSupport.h"
#include <malloc.h>

void cffmpeg_limit_malloc_arenas(int count) {
#ifdef M_ARENA_MAX
    mallopt(M_ARENA_MAX, count);
#endif
}
