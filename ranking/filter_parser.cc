#include "ranking/filter_parser.h"

#include <cctype>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"

namespace aisle::ranking {
namespace {

using index::CompareOp;
using index::FilterNode;

struct Token {
  enum class Type { kWord, kQuoted, kOp, kLParen, kRParen, kLBracket, kRBracket, kComma, kEnd };
  Type type = Type::kEnd;
  std::string text;  // Word, unescaped string, or operator spelling.
  size_t position = 0;
};

bool IsBareChar(char c) {
  switch (c) {
    case '(':
    case ')':
    case '[':
    case ']':
    case ',':
    case '=':
    case '!':
    case '<':
    case '>':
    case '\'':
    case '"':
      return false;
    default:
      return !std::isspace(static_cast<unsigned char>(c));
  }
}

bool EqualsKeyword(const Token& token, std::string_view keyword) {
  if (token.type != Token::Type::kWord || token.text.size() != keyword.size()) return false;
  for (size_t i = 0; i < keyword.size(); ++i) {
    if (std::toupper(static_cast<unsigned char>(token.text[i])) != keyword[i]) return false;
  }
  return true;
}

absl::Status SyntaxError(size_t position, std::string_view what) {
  return InvalidArgumentError(
      absl::StrCat("filter syntax error at position ", position, ": ", std::string(what)), "filter",
      position);
}

class Lexer {
 public:
  explicit Lexer(std::string_view source) : source_(source) {}

  absl::StatusOr<std::vector<Token>> Run() {
    std::vector<Token> tokens;
    while (true) {
      while (pos_ < source_.size() && std::isspace(static_cast<unsigned char>(source_[pos_]))) {
        ++pos_;
      }
      if (pos_ == source_.size()) break;
      AISLE_ASSIGN_OR_RETURN(Token token, Next());
      tokens.push_back(std::move(token));
    }
    tokens.push_back(Token{Token::Type::kEnd, "", source_.size()});
    return tokens;
  }

 private:
  absl::StatusOr<Token> Next() {
    const size_t start = pos_;
    const char c = source_[pos_];
    auto single = [&](Token::Type type) {
      ++pos_;
      return Token{type, std::string(1, c), start};
    };
    switch (c) {
      case '(':
        return single(Token::Type::kLParen);
      case ')':
        return single(Token::Type::kRParen);
      case '[':
        return single(Token::Type::kLBracket);
      case ']':
        return single(Token::Type::kRBracket);
      case ',':
        return single(Token::Type::kComma);
      case '\'':
      case '"':
        return Quoted(c);
      case '=':
        return single(Token::Type::kOp);
      case '!':
      case '<':
      case '>':
        return Operator();
      default:
        break;
    }
    while (pos_ < source_.size() && IsBareChar(source_[pos_])) ++pos_;
    return Token{Token::Type::kWord, std::string(source_.substr(start, pos_ - start)), start};
  }

  absl::StatusOr<Token> Operator() {
    const size_t start = pos_;
    const char c = source_[pos_++];
    const bool eq = pos_ < source_.size() && source_[pos_] == '=';
    if (eq) ++pos_;
    if (c == '!' && !eq) return SyntaxError(start, "'!' must be followed by '='");
    std::string text(1, c);
    if (eq) text += '=';
    return Token{Token::Type::kOp, text, start};
  }

  absl::StatusOr<Token> Quoted(char quote) {
    const size_t start = pos_++;
    std::string text;
    while (pos_ < source_.size() && source_[pos_] != quote) {
      if (source_[pos_] == '\\' && pos_ + 1 < source_.size()) ++pos_;
      text += source_[pos_++];
    }
    if (pos_ == source_.size()) return SyntaxError(start, "unterminated quoted string");
    ++pos_;
    return Token{Token::Type::kQuoted, std::move(text), start};
  }

  std::string_view source_;
  size_t pos_ = 0;
};

class Parser {
 public:
  Parser(std::vector<Token> tokens, const FilterParserOptions& options)
      : tokens_(std::move(tokens)), options_(options) {}

  absl::StatusOr<FilterNode> Parse() {
    AISLE_ASSIGN_OR_RETURN(FilterNode node, Or());
    if (Peek().type != Token::Type::kEnd) {
      return SyntaxError(Peek().position, absl::StrCat("unexpected '", Peek().text,
                                                       "', expected AND, OR or the end"));
    }
    return node;
  }

 private:
  const Token& Peek(size_t ahead = 0) const {
    return tokens_[std::min(index_ + ahead, tokens_.size() - 1)];
  }
  const Token& Take() { return tokens_[std::min(index_++, tokens_.size() - 1)]; }

  absl::StatusOr<FilterNode> Binary(FilterNode::Kind kind, std::string_view keyword,
                                    absl::StatusOr<FilterNode> (Parser::*operand)()) {
    AISLE_ASSIGN_OR_RETURN(FilterNode first, (this->*operand)());
    if (!EqualsKeyword(Peek(), keyword)) return first;
    FilterNode node;
    node.kind = kind;
    node.position = first.position;
    node.children.push_back(std::move(first));
    while (EqualsKeyword(Peek(), keyword)) {
      Take();
      AISLE_ASSIGN_OR_RETURN(FilterNode next, (this->*operand)());
      node.children.push_back(std::move(next));
    }
    return node;
  }

  absl::StatusOr<FilterNode> Or() { return Binary(FilterNode::Kind::kOr, "OR", &Parser::And); }
  absl::StatusOr<FilterNode> And() { return Binary(FilterNode::Kind::kAnd, "AND", &Parser::Not); }

  absl::StatusOr<FilterNode> Not() {
    const Token& token = Peek();
    if (++depth_ > options_.max_depth) {
      return SyntaxError(token.position, "expression nested too deeply");
    }
    absl::StatusOr<FilterNode> result;
    if (EqualsKeyword(token, "NOT")) {
      Take();
      FilterNode node;
      node.kind = FilterNode::Kind::kNot;
      node.position = token.position;
      AISLE_ASSIGN_OR_RETURN(FilterNode child, Not());
      node.children.push_back(std::move(child));
      result = std::move(node);
    } else if (token.type == Token::Type::kLParen) {
      Take();
      result = Or();
      if (result.ok() && Take().type != Token::Type::kRParen) {
        return SyntaxError(tokens_[index_ - 1].position, "expected ')'");
      }
    } else {
      result = Condition();
    }
    --depth_;
    return result;
  }

  // A value: a bare word or a quoted string.
  absl::StatusOr<std::string> Value(std::string_view after) {
    const Token& token = Peek();
    if (token.type != Token::Type::kWord && token.type != Token::Type::kQuoted) {
      return SyntaxError(token.position,
                         absl::StrCat("expected a value after ", std::string(after)));
    }
    if (++terms_ > options_.max_terms) return SyntaxError(token.position, "too many terms");
    return Take().text;
  }

  absl::StatusOr<FilterNode> Condition() {
    const Token& field_token = Peek();
    if (field_token.type != Token::Type::kWord && field_token.type != Token::Type::kQuoted) {
      return SyntaxError(
          field_token.position,
          field_token.type == Token::Type::kEnd
              ? std::string("expected a condition, found the end")
              : absl::StrCat("expected an attribute name, found '", field_token.text, "'"));
    }
    FilterNode node;
    node.field = Take().text;
    node.position = field_token.position;
    const std::string after_field = absl::StrCat("'", node.field, "'");

    bool negated = false;
    if (EqualsKeyword(Peek(), "NOT") &&
        (EqualsKeyword(Peek(1), "IN") || EqualsKeyword(Peek(1), "EXISTS"))) {
      Take();
      negated = true;
    }
    const Token& op = Peek();
    if (EqualsKeyword(op, "EXISTS")) {
      Take();
      node.kind = FilterNode::Kind::kExists;
    } else if (EqualsKeyword(op, "IN")) {
      Take();
      AISLE_RETURN_IF_ERROR(InList(&node));
    } else if (op.type == Token::Type::kOp) {
      Take();
      node.kind = FilterNode::Kind::kCompare;
      node.op = ToCompareOp(op.text);
      AISLE_ASSIGN_OR_RETURN(std::string value, Value(absl::StrCat("'", op.text, "'")));
      node.values.push_back(std::move(value));
    } else if (op.type == Token::Type::kWord || op.type == Token::Type::kQuoted) {
      // field FROM TO TO
      node.kind = FilterNode::Kind::kRange;
      AISLE_ASSIGN_OR_RETURN(std::string from, Value(after_field));
      if (!EqualsKeyword(Peek(), "TO")) {
        return SyntaxError(Peek().position, "expected TO in a range 'attribute FROM TO TO'");
      }
      Take();
      AISLE_ASSIGN_OR_RETURN(std::string to, Value("TO"));
      node.values = {std::move(from), std::move(to)};
    } else {
      return SyntaxError(op.position,
                         absl::StrCat("expected an operator (=, !=, >, >=, <, <=, TO, IN, EXISTS) "
                                      "after ",
                                      after_field));
    }
    if (!negated) return node;
    FilterNode not_node;
    not_node.kind = FilterNode::Kind::kNot;
    not_node.position = node.position;
    not_node.children.push_back(std::move(node));
    return not_node;
  }

  absl::Status InList(FilterNode* node) {
    node->kind = FilterNode::Kind::kIn;
    if (Peek().type != Token::Type::kLBracket) {
      return SyntaxError(Peek().position, "expected '[' after IN");
    }
    Take();
    while (true) {
      AISLE_ASSIGN_OR_RETURN(std::string value, Value(node->values.empty() ? "'['" : "','"));
      node->values.push_back(std::move(value));
      const Token& sep = Take();
      if (sep.type == Token::Type::kRBracket) return absl::OkStatus();
      if (sep.type != Token::Type::kComma) {
        return SyntaxError(sep.position, "expected ',' or ']' in an IN list");
      }
    }
  }

  static CompareOp ToCompareOp(std::string_view text) {
    if (text == "!=") return CompareOp::kNe;
    if (text == "<") return CompareOp::kLt;
    if (text == "<=") return CompareOp::kLe;
    if (text == ">") return CompareOp::kGt;
    if (text == ">=") return CompareOp::kGe;
    return CompareOp::kEq;
  }

  std::vector<Token> tokens_;
  const FilterParserOptions& options_;
  size_t index_ = 0;
  size_t depth_ = 0;
  size_t terms_ = 0;
};

}  // namespace

absl::StatusOr<FilterNode> ParseFilter(std::string_view source,
                                       const FilterParserOptions& options) {
  if (source.size() > options.max_length) {
    return InvalidArgumentError(
        absl::StrCat("filter is longer than ", options.max_length, " bytes"), "filter",
        options.max_length);
  }
  AISLE_ASSIGN_OR_RETURN(std::vector<Token> tokens, Lexer(source).Run());
  if (tokens.size() == 1) return SyntaxError(0, "empty filter");
  return Parser(std::move(tokens), options).Parse();
}

}  // namespace aisle::ranking
