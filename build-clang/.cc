clang
