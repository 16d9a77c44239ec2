#include <gtest/gtest.h>

#include <limits>
#include <vector>

#include "index/query_compiler_internal.h"
#include "tests/testing/test_util.h"

namespace aisle::index::internal {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

NumericPredicate Between(double low, double high) {
  NumericPredicate p;
  p.low = low;
  p.high = high;
  return p;
}

// Ten empty documents (docids 1..10) whose price column is the docid; docid 4
// is not live (deleted after the snapshot was taken, say).
class ColumnSourceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    db_ = Xapian::WritableDatabase(dir_.Sub("db"), Xapian::DB_CREATE_OR_OPEN);
    for (int i = 1; i <= 10; ++i) {
      db_.add_document(Xapian::Document());
      ColumnRow row;
      row.price = i;
      columns_.Apply(i, row);
    }
    db_.commit();
    columns_.MarkDeleted(4);
  }

  std::vector<Xapian::docid> Walk(NumericPredicate predicate) {
    ColumnSource source(&columns_, NumericField::kPrice, std::move(predicate));
    source.init(db_);
    std::vector<Xapian::docid> out;
    for (source.next(0); !source.at_end(); source.next(0)) out.push_back(source.get_docid());
    return out;
  }

  testing::TempDir dir_;
  Xapian::WritableDatabase db_;
  CatalogColumns columns_;
};

TEST_F(ColumnSourceTest, NextVisitsLiveMatchingDocidsInOrder) {
  EXPECT_EQ(Walk(Between(3, 6)), (std::vector<Xapian::docid>{3, 5, 6}));
  EXPECT_EQ(Walk(Between(-kInf, kInf)), (std::vector<Xapian::docid>{1, 2, 3, 5, 6, 7, 8, 9, 10}));
  EXPECT_TRUE(Walk(Between(11, 20)).empty());
  NumericPredicate ne;
  ne.kind = NumericPredicate::Kind::kNotEqual;
  ne.value = 2;
  EXPECT_EQ(Walk(ne), (std::vector<Xapian::docid>{1, 3, 5, 6, 7, 8, 9, 10}));
  NumericPredicate any;
  any.kind = NumericPredicate::Kind::kAnyOf;
  any.values = {4, 9, 10};
  EXPECT_EQ(Walk(any), (std::vector<Xapian::docid>{9, 10}));
}

TEST_F(ColumnSourceTest, SkipToAndCheckFollowThePostingSourceContract) {
  ColumnSource source(&columns_, NumericField::kPrice, Between(2, 8));
  source.init(db_);
  source.skip_to(4, 0);
  EXPECT_EQ(source.get_docid(), 5u) << "4 is dead: next match";
  source.skip_to(3, 0);
  EXPECT_EQ(source.get_docid(), 5u) << "going back leaves the position";
  EXPECT_TRUE(source.check(6, 0));
  EXPECT_EQ(source.get_docid(), 6u);
  EXPECT_FALSE(source.check(9, 0)) << "9 is out of range";
  source.next(0);
  EXPECT_TRUE(source.at_end()) << "nothing in range after 9";

  ColumnSource again(&columns_, NumericField::kPrice, Between(2, 8));
  again.init(db_);
  EXPECT_FALSE(again.check(1, 0));
  again.skip_to(1, 0);
  EXPECT_EQ(again.get_docid(), 2u) << "skip_to the missed docid moves past it";
  EXPECT_EQ(again.get_termfreq_min(), 0u);
  EXPECT_EQ(again.get_termfreq_max(), 10u);
  EXPECT_EQ(again.get_termfreq_est(), 6u) << "sampled: 6 of 9 live docs match, of 10";
}

TEST_F(ColumnSourceTest, CloneMatchesTheSameDocuments) {
  ColumnSource source(&columns_, NumericField::kPrice, Between(7, 9));
  std::unique_ptr<Xapian::PostingSource> copy(source.clone());
  copy->init(db_);
  copy->next(0);
  EXPECT_EQ(copy->get_docid(), 7u);
}

TEST_F(ColumnSourceTest, KeyMakerOrdersByColumnsAscendingOrDescending) {
  ColumnKeyMaker ascending(&columns_, {{NumericField::kPrice, false}});
  ColumnKeyMaker descending(&columns_, {{NumericField::kPrice, true}});
  const Xapian::Document d2 = db_.get_document(2);
  const Xapian::Document d3 = db_.get_document(3);
  EXPECT_LT(ascending(d2), ascending(d3));
  EXPECT_GT(descending(d2), descending(d3));
  EXPECT_EQ(ascending(d2).size(), 8u);
}

TEST(NumericPredicate, HandlesBoundsAndNegativeNumbers) {
  NumericPredicate p;
  p.low = -1.5;
  p.high = 2;
  p.low_inclusive = false;
  EXPECT_FALSE(p.Matches(-1.5));
  EXPECT_TRUE(p.Matches(-1.4));
  EXPECT_TRUE(p.Matches(2));
  p.high_inclusive = false;
  EXPECT_FALSE(p.Matches(2));
}

TEST(ColumnKeyMaker, EncodingSortsNegativeZeroAndPositiveNumbers) {
  testing::TempDir dir;
  Xapian::WritableDatabase db(dir.Sub("db"), Xapian::DB_CREATE_OR_OPEN);
  CatalogColumns columns;
  const std::vector<double> values = {-1000.5, -1, -0.0, 0, 0.25, 3, 1e12};
  for (size_t i = 0; i < values.size(); ++i) {
    db.add_document(Xapian::Document());
    ColumnRow row;
    row.price = values[i];
    columns.Apply(static_cast<uint32_t>(i + 1), row);
  }
  db.commit();
  ColumnKeyMaker keys(&columns, {{NumericField::kPrice, false}});
  for (size_t i = 0; i + 1 < values.size(); ++i) {
    const std::string a = keys(db.get_document(static_cast<Xapian::docid>(i + 1)));
    const std::string b = keys(db.get_document(static_cast<Xapian::docid>(i + 2)));
    if (values[i] == values[i + 1]) {
      EXPECT_EQ(a, b) << values[i];
    } else {
      EXPECT_LT(a, b) << values[i] << " vs " << values[i + 1];
    }
  }
}

TEST(CompileFilter, RejectsMalformedNodesWithTheirPosition) {
  CatalogColumns columns;
  FilterNode not_node;
  not_node.kind = FilterNode::Kind::kNot;
  not_node.position = 4;
  auto status = CompileFilter(not_node, columns).status();
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ErrorPosition(status), 4u);

  FilterNode compare;
  compare.kind = FilterNode::Kind::kCompare;
  compare.field = "price";
  compare.position = 9;
  status = CompileFilter(compare, columns).status();  // No value.
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ErrorField(status), "filter");
  EXPECT_EQ(ErrorPosition(status), 9u);

  FilterNode empty_and;
  empty_and.kind = FilterNode::Kind::kAnd;
  EXPECT_FALSE(CompileFilter(empty_and, columns).ok());
}

}  // namespace
}  // namespace aisle::index::internal
