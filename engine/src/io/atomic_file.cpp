#include "hopscope/atomic_file.h"

#include "hopscope/error.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <random>
#include <streambuf>

namespace hopscope {
namespace {

// Error text for a failed system call; reads errno before anything else can change it.
Error systemError(const std::string& message) {
  const int error = errno;
  return Error(message + ": " + std::strerror(error));
}

// An output stream buffer over a file descriptor that remembers the errno of a failed write, so
// the error message can say why (disk full, quota, ...). std::ofstream hides both the descriptor
// (needed for fsync) and the reason.
class DescriptorBuffer : public std::streambuf {
 public:
  explicit DescriptorBuffer(int fd) : fd_(fd) { setp(buffer_, buffer_ + sizeof buffer_); }
  int writeError() const { return writeError_; }

 protected:
  int_type overflow(int_type ch) override {
    if (!flushBuffer()) return traits_type::eof();
    if (!traits_type::eq_int_type(ch, traits_type::eof())) {
      *pptr() = traits_type::to_char_type(ch);
      pbump(1);
    }
    return traits_type::not_eof(ch);
  }
  std::streamsize xsputn(const char* data, std::streamsize count) override {
    if (count < static_cast<std::streamsize>(sizeof buffer_))
      return std::streambuf::xsputn(data, count);
    // Large blocks (tensor data) go straight to the file.
    if (!flushBuffer() || !writeAll(data, static_cast<size_t>(count))) return 0;
    return count;
  }
  int sync() override { return flushBuffer() ? 0 : -1; }

 private:
  bool flushBuffer() {
    const size_t pending = static_cast<size_t>(pptr() - pbase());
    if (pending > 0 && !writeAll(pbase(), pending)) return false;
    setp(buffer_, buffer_ + sizeof buffer_);
    return true;
  }
  bool writeAll(const char* data, size_t count) {
    while (count > 0) {
      const ssize_t written = ::write(fd_, data, count);
      if (written < 0) {
        if (errno == EINTR) continue;
        writeError_ = errno;
        return false;
      }
      data += written;
      count -= static_cast<size_t>(written);
    }
    return true;
  }

  int fd_;
  int writeError_ = 0;
  char buffer_[1 << 16];
};

// Owns the temporary file until it is renamed into place; removes it otherwise.
class TemporaryFile {
 public:
  TemporaryFile(const std::filesystem::path& target, const std::string& where) {
    static std::atomic<unsigned> counter{0};
    std::random_device random;
    for (int attempt = 0; attempt < 100 && fd_ < 0; ++attempt) {
      // Hidden, beside the target (rename is atomic only within one file system).
      path_ = target.parent_path() /
              ("." + target.filename().string() + ".tmp-" + std::to_string(::getpid()) + "-" +
               std::to_string(counter++) + "-" + std::to_string(random()));
      // Mode 0666 lets the umask decide the permissions, as for any newly created file.
      fd_ = ::open(path_.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
      if (fd_ < 0 && errno != EEXIST)
        throw systemError(where + "cannot create a temporary file in '" +
                          target.parent_path().string() + "'");
    }
    if (fd_ < 0) throw Error(where + "cannot find a free temporary file name");
  }
  ~TemporaryFile() {
    closeDescriptor();
    if (!renamed_) ::unlink(path_.c_str());
  }
  TemporaryFile(const TemporaryFile&) = delete;
  TemporaryFile& operator=(const TemporaryFile&) = delete;

  int fd() const { return fd_; }
  const std::filesystem::path& path() const { return path_; }
  int closeDescriptor() {
    const int result = fd_ >= 0 ? ::close(fd_) : 0;
    fd_ = -1;
    return result;
  }
  void markRenamed() { renamed_ = true; }

 private:
  std::filesystem::path path_;
  int fd_ = -1;
  bool renamed_ = false;
};

std::filesystem::path folderOf(const std::filesystem::path& target) {
  return target.has_parent_path() ? target.parent_path() : std::filesystem::path(".");
}

// Makes the rename itself durable; best effort, as some file systems refuse fsync on folders.
void syncFolder(const std::filesystem::path& folder) {
  const int fd = ::open(folder.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return;
  ::fsync(fd);
  ::close(fd);
}

}  // namespace

void writeFileAtomically(const std::string& path,
                         const std::function<void(std::ostream&)>& write) {
  const std::string where = path + ": ";
  const std::filesystem::path target(path);
  const std::filesystem::path folder = folderOf(target);
  if (!target.has_filename())
    throw Error(where + "cannot write: the path names a folder, not a file");
  std::error_code ignored;
  if (!std::filesystem::is_directory(folder, ignored))
    throw Error(where + "cannot write: the folder '" + folder.string() +
                (std::filesystem::exists(folder, ignored) ? "' is not a folder"
                                                          : "' does not exist"));

  TemporaryFile temporary(folder / target.filename(), where);
  struct stat existing {};
  if (::stat(path.c_str(), &existing) == 0 && S_ISREG(existing.st_mode))
    ::fchmod(temporary.fd(), existing.st_mode & 07777);  // replacing keeps the permissions

  DescriptorBuffer buffer(temporary.fd());
  std::ostream stream(&buffer);
  try {
    write(stream);
  } catch (const Error&) {
    throw;  // already names the file and the problem; ~TemporaryFile removes the temporary
  } catch (const std::exception& error) {
    throw Error(where + "writing failed: " + error.what());
  } catch (...) {
    throw Error(where + "writing failed: unknown exception");
  }
  stream.flush();
  if (!stream) {
    const int error = buffer.writeError();
    throw Error(where + "writing failed" +
                (error ? std::string(": ") + std::strerror(error) : std::string()));
  }
  if (::fsync(temporary.fd()) != 0) throw systemError(where + "cannot flush to disk");
  if (temporary.closeDescriptor() != 0)
    throw systemError(where + "cannot close the temporary file");
  if (std::rename(temporary.path().c_str(), path.c_str()) != 0)
    throw systemError(where + "cannot replace the file");
  temporary.markRenamed();
  syncFolder(folder);
}

void writeFileAtomically(const std::string& path, const std::string& contents) {
  writeFileAtomically(path, [&](std::ostream& out) {
    out.write(contents.data(), static_cast<std::streamsize>(contents.size()));
  });
}

}  // namespace hopscope
