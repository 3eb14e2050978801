// Plain error reporting for the kernels: a code and a message, never an exception across the API.
#pragma once
#include <string>

namespace ms {

enum class Code { Ok, BadOption, BadInput, NoRows, TooFewRows, LengthMismatch, BadEdges, Aborted, OutOfMemory, NoDevice, Internal };

// The stable string codes the JS side sees (kept in sync with src/errors.ts).
inline const char* codeName(Code c) {
  switch (c) {
    case Code::Ok: return "MS_OK";
    case Code::BadOption: return "MS_BAD_OPTION";
    case Code::BadInput: return "MS_BAD_INPUT";
    case Code::NoRows: return "MS_NO_ROWS";
    case Code::TooFewRows: return "MS_TOO_FEW_ROWS";
    case Code::LengthMismatch: return "MS_LENGTH_MISMATCH";
    case Code::BadEdges: return "MS_BAD_EDGES";
    case Code::Aborted: return "MS_ABORTED";
    case Code::OutOfMemory: return "MS_OUT_OF_MEMORY";
    case Code::NoDevice: return "MS_NO_DEVICE";
    case Code::Internal: return "MS_INTERNAL";
  }
  return "MS_INTERNAL";
}

struct Status {
  Code code = Code::Ok;
  std::string message;
  bool ok() const { return code == Code::Ok; }
  static Status error(Code c, std::string m) { return Status{c, std::move(m)}; }
};

}  // namespace ms
