// The `aisle` subcommands, dispatched by main.cc.
#ifndef AISLE_SERVER_COMMANDS_H_
#define AISLE_SERVER_COMMANDS_H_

namespace aisle::server {

// The command line summary (main.cc), printed on a usage error.
extern const char kUsage[];

// aisle serve [--data DIR] [--address A] [--port P] [--threads N]
// [--blocking-threads N] [--webhook-url URL] [--demo N]: opens the data
// directory, wires every module and serves HTTP until SIGINT or SIGTERM
// (serve_command.cc).
int Serve(int argc, char** argv);

// aisle gen --count N [--seed S] [--first I]: writes demo products as NDJSON
// to stdout.
int RunGen(int argc, char** argv);

// aisle import FILE [--url http://127.0.0.1:7700] [--format auto] [--batch N]:
// reads a catalog file and pushes it to a running server in batches.
int RunImport(int argc, char** argv);

}  // namespace aisle::server

#endif  // AISLE_SERVER_COMMANDS_H_
