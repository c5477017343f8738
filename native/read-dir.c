// Reads one folder the way find(1) does: open it, list its entries (getdents64 through readdir(3)), and stat
// each file and folder relative to the open folder (fstatat), so the kernel never resolves the folder's path
// again for every entry. Node can only lstat a full path, which costs most of a walk's time on large trees.
//
// readDir(path, out) -> number
//   path: the folder's bytes (a Buffer or Uint8Array; no NUL inside).
//   out:  { names: Uint8Array, records: BigUint64Array }, buffers reused from call to call. When they are too
//         small they are replaced by larger ones (out.names, out.records are set anew): read them after the call.
//   Returns the number of entries (`.` and `..` left out), or -errno when the folder cannot be opened or read.
//
// Entry i is RECORD_WORDS 64-bit words at records[i * RECORD_WORDS] (see the WORD_ constants; the layout is
// mirrored in src/scan/native-reader.ts). Links and other entries are classified, not stat'ed; an entry whose
// stat failed has its errno set and no stat fields.
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <node_api.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

enum { KIND_FILE = 0, KIND_DIR = 1, KIND_LINK = 2, KIND_OTHER = 3 };
enum {
  WORD_DEV = 0,
  WORD_INO = 1,
  WORD_SIZE = 2,
  WORD_MTIME_NS = 3,
  WORD_CTIME_NS = 4,
  WORD_NLINK = 5,
  WORD_KIND_ERRNO = 6, /* low 32 bits: kind; high 32 bits: errno of the stat (0: stat'ed, or not to stat) */
  WORD_NAME = 7,       /* low 32 bits: offset of the name in names; high 32 bits: its length */
  RECORD_WORDS = 8
};

typedef struct {
  uint8_t *names;
  size_t names_cap;
  uint64_t *records;
  size_t records_cap; /* in entries */
  napi_value names_value;
  napi_value records_value;
  int grown_names;
  int grown_records;
} out_buffers;

#define CHECK(call)                                                                                           \
  do {                                                                                                        \
    if ((call) != napi_ok) return NULL;                                                                       \
  } while (0)

static napi_value throw_type_error(napi_env env, const char *message) {
  napi_throw_type_error(env, NULL, message);
  return NULL;
}

static int kind_of_mode(mode_t mode) {
  if (S_ISREG(mode)) return KIND_FILE;
  if (S_ISDIR(mode)) return KIND_DIR;
  if (S_ISLNK(mode)) return KIND_LINK;
  return KIND_OTHER;
}

static int64_t nanoseconds(struct timespec t) { return (int64_t)t.tv_sec * 1000000000LL + (int64_t)t.tv_nsec; }

// A new typed array of `length` elements, its contents the first `keep` bytes of `old`.
static int grow(napi_env env, napi_typedarray_type type, size_t element, size_t length, const void *old,
                size_t keep, void **data, napi_value *value) {
  napi_value buffer;
  void *bytes;
  if (napi_create_arraybuffer(env, length * element, &bytes, &buffer) != napi_ok) return -1;
  if (napi_create_typedarray(env, type, length, buffer, 0, value) != napi_ok) return -1;
  if (keep > 0) memcpy(bytes, old, keep);
  *data = bytes;
  return 0;
}

static napi_value read_dir(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc < 2) return throw_type_error(env, "readDir(path, out): expected 2 arguments");

  bool is_typed;
  CHECK(napi_is_typedarray(env, argv[0], &is_typed));
  if (!is_typed) return throw_type_error(env, "readDir: the path must be a Uint8Array");
  napi_typedarray_type type;
  size_t path_length;
  void *path_data;
  CHECK(napi_get_typedarray_info(env, argv[0], &type, &path_length, &path_data, NULL, NULL));
  if (type != napi_uint8_array || memchr(path_data, 0, path_length) != NULL)
    return throw_type_error(env, "readDir: the path must be bytes without NUL");

  out_buffers out = {0};
  napi_value names_value, records_value;
  CHECK(napi_get_named_property(env, argv[1], "names", &names_value));
  CHECK(napi_get_named_property(env, argv[1], "records", &records_value));
  void *data;
  size_t length;
  CHECK(napi_is_typedarray(env, names_value, &is_typed));
  if (!is_typed) return throw_type_error(env, "readDir: out.names must be a Uint8Array");
  CHECK(napi_get_typedarray_info(env, names_value, &type, &length, &data, NULL, NULL));
  if (type != napi_uint8_array) return throw_type_error(env, "readDir: out.names must be a Uint8Array");
  out.names = data;
  out.names_cap = length;
  CHECK(napi_is_typedarray(env, records_value, &is_typed));
  if (!is_typed) return throw_type_error(env, "readDir: out.records must be a BigUint64Array");
  CHECK(napi_get_typedarray_info(env, records_value, &type, &length, &data, NULL, NULL));
  if (type != napi_biguint64_array) return throw_type_error(env, "readDir: out.records must be a BigUint64Array");
  out.records = data;
  out.records_cap = length / RECORD_WORDS;

  char stack_path[4096];
  char *path = path_length < sizeof stack_path ? stack_path : malloc(path_length + 1);
  if (path == NULL) return throw_type_error(env, "readDir: out of memory");
  memcpy(path, path_data, path_length);
  path[path_length] = '\0';
  int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  int open_errno = errno;
  if (path != stack_path) free(path);
  napi_value result;
  if (fd < 0) {
    CHECK(napi_create_int32(env, -open_errno, &result));
    return result;
  }
  DIR *dir = fdopendir(fd);
  if (dir == NULL) {
    int e = errno;
    close(fd);
    CHECK(napi_create_int32(env, -e, &result));
    return result;
  }

  size_t count = 0, bytes = 0;
  int failure = 0;
  for (;;) {
    errno = 0;
    struct dirent *entry = readdir(dir);
    if (entry == NULL) {
      failure = errno;
      break;
    }
    const char *name = entry->d_name;
    if (name[0] == '.' && (name[1] == '\0' || (name[1] == '.' && name[2] == '\0'))) continue;
    size_t name_length = strlen(name);
    if (bytes + name_length > out.names_cap) {
      size_t cap = out.names_cap * 2 > bytes + name_length ? out.names_cap * 2 : (bytes + name_length) * 2;
      void *grown;
      if (grow(env, napi_uint8_array, 1, cap, out.names, bytes, &grown, &out.names_value) != 0) {
        failure = ENOMEM;
        break;
      }
      out.names = grown;
      out.names_cap = cap;
      out.grown_names = 1;
    }
    if (count == out.records_cap) {
      size_t cap = out.records_cap < 64 ? 128 : out.records_cap * 2;
      void *grown;
      if (grow(env, napi_biguint64_array, 8, cap * RECORD_WORDS, out.records, count * RECORD_WORDS * 8, &grown,
               &out.records_value) != 0) {
        failure = ENOMEM;
        break;
      }
      out.records = grown;
      out.records_cap = cap;
      out.grown_records = 1;
    }
    memcpy(out.names + bytes, name, name_length);
    uint64_t *record = out.records + count * RECORD_WORDS;
    int kind;
    switch (entry->d_type) {
      case DT_REG: kind = KIND_FILE; break;
      case DT_DIR: kind = KIND_DIR; break;
      case DT_LNK: kind = KIND_LINK; break;
      case DT_UNKNOWN: kind = -1; break;
      default: kind = KIND_OTHER; break;
    }
    uint32_t stat_errno = 0;
    if (kind == KIND_FILE || kind == KIND_DIR || kind == -1) {
      struct stat st;
      if (fstatat(fd, name, &st, AT_SYMLINK_NOFOLLOW) == 0) {
        // The entry may have been replaced since it was listed: its stat says what it is now.
        kind = kind_of_mode(st.st_mode);
        record[WORD_DEV] = (uint64_t)st.st_dev;
        record[WORD_INO] = (uint64_t)st.st_ino;
        record[WORD_SIZE] = (uint64_t)st.st_size;
        record[WORD_MTIME_NS] = (uint64_t)nanoseconds(st.st_mtim);
        record[WORD_CTIME_NS] = (uint64_t)nanoseconds(st.st_ctim);
        record[WORD_NLINK] = (uint64_t)st.st_nlink;
      } else {
        stat_errno = (uint32_t)errno;
        // A type the listing did not give stays unknown: the entry is then a file that could not be stat'ed,
        // as Node reports it (its lstat fails).
        if (kind == -1) kind = KIND_FILE;
      }
    }
    record[WORD_KIND_ERRNO] = (uint64_t)(uint32_t)kind | ((uint64_t)stat_errno << 32);
    record[WORD_NAME] = (uint64_t)bytes | ((uint64_t)name_length << 32);
    bytes += name_length;
    count++;
  }
  closedir(dir);

  if (out.grown_names) CHECK(napi_set_named_property(env, argv[1], "names", out.names_value));
  if (out.grown_records) CHECK(napi_set_named_property(env, argv[1], "records", out.records_value));
  CHECK(napi_create_int64(env, failure != 0 ? -(int64_t)failure : (int64_t)count, &result));
  return result;
}

NAPI_MODULE_INIT() {
  napi_value fn;
  if (napi_create_function(env, "readDir", NAPI_AUTO_LENGTH, read_dir, NULL, &fn) != napi_ok) return NULL;
  if (napi_set_named_property(env, exports, "readDir", fn) != napi_ok) return NULL;
  return exports;
}
