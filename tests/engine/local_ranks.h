#pragma once
// Ranks of a DistributedGroup on threads of the test process (TCPStore + Gloo on the loopback), and
// the free port the CLI tests start rank processes on.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include "hopscope/distributed.h"

namespace hopscope::test {

// A port nobody listens on now (the kernel's choice; released before use, as test suites do); 0
// when the kernel gives none.
inline int freePort() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = 0;
  socklen_t length = sizeof address;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
    ::close(fd);
    return 0;
  }
  const int port = ntohs(address.sin_port);
  ::close(fd);
  return port;
}

inline DistributedOptions rankOf(int rank, int world, int port, int timeoutMs) {
  DistributedOptions options;
  options.rank = rank;
  options.worldSize = world;
  options.masterPort = port;
  options.timeout = std::chrono::milliseconds(timeoutMs);
  return options;
}

// Runs body(group, rank) on `world` threads, each joining one group on a free port; returns each
// rank's error message ("" when it finished).
inline std::vector<std::string> onRanks(int world, int timeoutMs,
                                        const std::function<void(DistributedGroup&, int)>& body) {
  const int port = freePort();
  std::vector<std::string> errors(static_cast<size_t>(world));
  std::vector<std::thread> threads;
  for (int rank = 0; rank < world; ++rank)
    threads.emplace_back([&, rank] {
      try {
        DistributedGroup group(rankOf(rank, world, port, timeoutMs));
        body(group, rank);
      } catch (const std::exception& error) {
        errors[static_cast<size_t>(rank)] = error.what();
      }
    });
  for (std::thread& thread : threads) thread.join();
  return errors;
}

}  // namespace hopscope::test
