{
  "targets": [
    {
      "target_name": "nodupe_read_dir",
      "sources": ["read-dir.c"],
      "defines": ["NAPI_VERSION=8", "_GNU_SOURCE"],
      "cflags": ["-O2", "-Wall", "-Wextra"]
    }
  ]
}
