// aisle: search, recommendations and checkout for online stores. main()
// dispatches to the subcommands (server/commands.h); `serve` wires every
// module together (serve_command.cc).
#include <iostream>
#include <string>

#include "server/commands.h"

namespace aisle::server {

const char kUsage[] =
    "usage: aisle serve [--data DIR] [--address 127.0.0.1] [--port 7700] [--threads N]\n"
    "                   [--blocking-threads 8] [--webhook-url http://host:port/path]\n"
    "                   [--demo N]   (load N generated demo products into an empty index)\n"
    "       aisle gen --count N [--seed S] [--first I] > products.ndjson\n"
    "       aisle import FILE [--url http://127.0.0.1:7700] [--batch 1000]\n";

}  // namespace aisle::server

int main(int argc, char** argv) {
  const std::string command = argc > 1 ? argv[1] : "";
  if (command == "serve") return aisle::server::Serve(argc - 2, argv + 2);
  if (command == "gen") return aisle::server::RunGen(argc - 2, argv + 2);
  if (command == "import") return aisle::server::RunImport(argc - 2, argv + 2);
  std::cerr << aisle::server::kUsage;
  return command.empty() || command == "help" || command == "--help" ? 0 : 2;
}
