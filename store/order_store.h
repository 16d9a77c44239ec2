// OrderStore: the durable order ledger (issue D). Orders with their items and
// status history, idempotency keys, payments, fulfillment tasks and the
// notification outbox. Only SQL-level state and its invariants live here:
// which status changes are legal, when to charge and what a notification
// says are commerce/'s business (commerce/order_state.h). The store keeps the
// status as text and offers compare-and-set, so it never includes commerce/.
//
// Money: every amount is an int64 count of MINOR units ("cents": 1/100 of a
// USD or EUR, 1 JPY, 1/1000 of a KWD) of the order's currency, an ISO 4217
// code of three uppercase ASCII letters ("USD"). Sums are exact; there is no
// floating point anywhere in the ledger. A payment's amount is in its order's
// currency. Amounts are in [0, kMaxMoneyCents], so no sum over an order (or
// over a user's orders, for the velocity rules) can overflow.
//
// Card data: only a gateway's payment token and the card's last 4 digits are
// ever stored. A token (or a failure reason, a risk record's details, a
// review note) that looks like a card number is
// refused with InvalidArgument before it reaches the writer, and the error
// never repeats the offending text (see ContainsCardNumber).
//
// Atomicity: every write method is ONE writer job (store/writer_internal.h):
// its checks and writes commit together or not at all, serialized with every
// other write. That is what makes an idempotency-key lookup and the order
// insert it guards race-free (concurrent retries with one key yield exactly
// one order), and a status compare-and-set immune to lost updates.
//
// Time: every `*_ms` is Unix milliseconds; a `now_ms` / `at_ms` of 0 means
// the store clock's now (StoreOptions::clock).
//
// Errors: the message of a domain error starts with a stable reason code
// (the k*Reason constants below) followed by ": " and details, e.g.
// "status_changed: order o1 is payment_processing, expected pending".
// Validation errors are InvalidArgument naming the field (base/status.h).
//
// Thread-safety: as the other sub-stores. Every method may be called from
// any thread; writes return a future completed after the write committed
// (durable with the default synchronous=FULL); reads run on the calling
// thread and touch the disk, so call them off the I/O threads.
#ifndef AISLE_STORE_ORDER_STORE_H_
#define AISLE_STORE_ORDER_STORE_H_

#include <cstddef>
#include <cstdint>
#include <future>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "store/inventory_store.h"

namespace aisle::store {

// Upper bound of any amount (an order total, a unit price, a payment): 10^15
// minor units, 10 trillion dollars. Rejects unit mistakes and keeps every sum
// of up to ~9000 maximal amounts inside int64.
inline constexpr int64_t kMaxMoneyCents = 1'000'000'000'000'000;
// Upper bound of an order item's or a fulfillment item's quantity.
inline constexpr int64_t kMaxItemQuantity = 1'000'000'000;
// Bounds of list reads (ListOrdersOfUser, ListFulfillmentTasks, PendingOutbox).
inline constexpr int64_t kMaxListLimit = 1000;
// Idempotency keys are at most this many bytes (Stripe's limit).
inline constexpr size_t kMaxIdempotencyKeyBytes = 255;
// Bounds of what the storefront sends for fraud screening (an order's
// device_fingerprint, ip_address, session_id) and of what screening stores
// (RiskRecord::details, a review's note), in bytes.
inline constexpr size_t kMaxClientFieldBytes = 256;
inline constexpr size_t kMaxRiskDetailsBytes = 64 * 1024;
inline constexpr size_t kMaxReviewNoteBytes = 4096;

// Reason codes that start the message of domain errors.
// FailedPrecondition (CreateOrder): the idempotency key was used for a
// different request (another fingerprint, or another user's order).
inline constexpr char kIdempotencyKeyReusedReason[] = "idempotency_key_reused";
// FailedPrecondition (TransitionOrder): the order's status is not the
// expected one; CurrentOrderStatus(status) gives the current one.
inline constexpr char kStatusChangedReason[] = "status_changed";
// NotFound.
inline constexpr char kOrderNotFoundReason[] = "order_not_found";
inline constexpr char kFulfillmentTaskNotFoundReason[] = "fulfillment_task_not_found";
inline constexpr char kOutboxMessageNotFoundReason[] = "outbox_message_not_found";
// (Fulfillment tasks for an unknown warehouse fail with NotFound
// kWarehouseNotFoundReason, from inventory_store.h.)
// FailedPrecondition (fulfillment tasks): the order already has a task for
// that warehouse (one task per warehouse allocation).
inline constexpr char kFulfillmentTaskExistsReason[] = "fulfillment_task_exists";
// FailedPrecondition (payments): the order already has a succeeded capture;
// a second one would charge the shopper twice.
inline constexpr char kAlreadyCapturedReason[] = "already_captured";
// FailedPrecondition (payments): succeeded refunds would exceed succeeded
// captures.
inline constexpr char kRefundExceedsCaptureReason[] = "refund_exceeds_capture";
// FailedPrecondition (MarkAttemptFailed): the message was already delivered.
inline constexpr char kOutboxMessageDeliveredReason[] = "outbox_message_delivered";
// FailedPrecondition (CreateOrder with close_cart): the cart's lines are not
// the ones the order was built from (it changed after the caller read it).
inline constexpr char kCartChangedReason[] = "cart_changed";
// FailedPrecondition (CompleteFulfillmentTask): the task's order was
// cancelled; there is nothing to ship.
inline constexpr char kFulfillmentTaskCancelledReason[] = "fulfillment_task_cancelled";
// (CreateOrder with close_cart also fails with cart_store.h's cart_not_found
// and cart_not_active.)
// NotFound (TransitionOrder with a review): the order has no risk record.
inline constexpr char kRiskNotFoundReason[] = "risk_not_found";
// FailedPrecondition (TransitionOrder with a review): the order's risk
// record is not awaiting a review (none was needed, or it was decided).
inline constexpr char kReviewNotPendingReason[] = "review_not_pending";

// RiskRecord::review_status values (ReviewDecision::status takes the last two).
inline constexpr char kReviewPending[] = "pending";
inline constexpr char kReviewApproved[] = "approved";
inline constexpr char kReviewRejected[] = "rejected";

// For a status_changed error: the order's status when the compare-and-set
// was refused, carried in a status payload (and repeated in the message).
// nullopt for any other status.
std::optional<std::string> CurrentOrderStatus(const absl::Status& status);

// True when `text` holds something that may be a primary account number: a
// run of 12 or more digits, where single spaces or hyphens between digits do
// not break the run ("4111 1111 1111 1111" counts). Payment tokens, last-4
// fields and failure reasons that contain one are refused.
bool ContainsCardNumber(std::string_view text);

struct ShippingAddress {
  std::string name;  // All text fields: UTF-8, may be empty, except:
  std::string line1;
  std::string line2;
  std::string city;
  std::string region;  // State, province.
  std::string postal_code;
  std::string country;  // Required: ISO 3166-1 alpha-2, uppercase ("US").
  // Geocoded location (allocation picks the closest warehouses): both set or
  // both unset; degrees in [-90, 90] and [-180, 180].
  std::optional<double> latitude;
  std::optional<double> longitude;
  bool operator==(const ShippingAddress&) const = default;
};

struct OrderItem {
  int line = 0;                  // 1, 2, ... in request order (set by the store).
  std::string product_id;        // Non-empty UTF-8.
  int64_t quantity = 0;          // In [1, kMaxItemQuantity].
  int64_t unit_price_cents = 0;  // In [0, kMaxMoneyCents], the order's currency.
  std::string title;             // UTF-8, may be empty: what the shopper saw.
  bool operator==(const OrderItem&) const = default;
};

// One row of an order's status history.
struct StatusChange {
  int seq = 0;              // 1 for the creation, then +1 per transition.
  std::string from_status;  // Empty for the creation row.
  std::string to_status;
  std::string reason;  // May be empty.
  int64_t at_ms = 0;
  bool operator==(const StatusChange&) const = default;
};

struct Order {
  std::string id;
  std::string user_id;
  std::string cart_id;         // May be empty.
  std::string status;          // commerce's OrderStatusName; the store does not interpret it.
  std::string status_reason;   // The reason of the last status change.
  std::string currency;        // ISO 4217, e.g. "USD".
  int64_t subtotal_cents = 0;  // == sum of quantity * unit_price_cents over items.
  int64_t total_cents = 0;     // What the shopper pays (shipping, tax, discounts applied).
  ShippingAddress shipping;
  std::string billing_country;  // ISO 3166-1 alpha-2, or empty when unknown.
  // The gateway's payment method token the order is charged with (never a
  // card number), kept so that an order a crash interrupted can be resumed:
  // a charge retried with the order's idempotency key and this token
  // returns the first charge's outcome. Empty for orders made without one.
  std::string payment_token;
  // What the storefront said about the client (fraud screening), each UTF-8
  // of at most kMaxClientFieldBytes, empty when unknown (and for orders
  // placed before migration 10): a device fingerprint, the client's IP
  // address as text exactly as sent (v4 or v6; not parsed here), the
  // storefront session id.
  std::string device_fingerprint;
  std::string ip_address;
  std::string session_id;
  int64_t created_at_ms = 0;
  int64_t updated_at_ms = 0;          // Last status change.
  std::vector<OrderItem> items;       // By line.
  std::vector<StatusChange> history;  // By seq; history.back().to_status == status.
  bool operator==(const Order&) const = default;
};

// A notification to deliver (a webhook), written in the same transaction as
// the change it announces.
struct OutboxMessage {
  std::string kind;     // 1-64 chars of [a-z0-9_.-], e.g. "order.confirmed".
  std::string payload;  // UTF-8 (commerce's JSON), may be empty.
  bool operator==(const OutboxMessage&) const = default;
};

// A fraud assessment of an order (issue E), stored with it: commerce scores,
// the store keeps the result and the review queue. One per order.
struct RiskRecord {
  double score = 0;    // In [0, 1] (finite).
  std::string level;   // commerce's name ("low", "high"): 1-64 chars of [a-z0-9_.-].
  std::string action;  // commerce's name ("approve", "review", "block"): as level.
  // commerce's JSON (the analyzers' scores and factors), opaque here: UTF-8,
  // at most kMaxRiskDetailsBytes, and, as every ledger text, no run of 12 or
  // more digits (ContainsCardNumber). Beware what that refuses besides card
  // numbers: a double printed at full precision (0.30000000000000004), a
  // millisecond timestamp (1700000000000), a numeric id. Round scores and
  // write times in seconds or leave them to assessed_at_ms.
  std::string details;
  // 0 in CreateOrderRequest::risk: the order's created_at.
  int64_t assessed_at_ms = 0;
  // nullopt: no review was needed; else kReviewPending until a
  // TransitionRequest::review decides it (kReviewApproved, kReviewRejected).
  std::optional<std::string> review_status;
  std::optional<int64_t> reviewed_at_ms;  // Set iff decided.
  std::string review_note;                // The decision's note; "" before.
  bool operator==(const RiskRecord&) const = default;
};

// An operator's decision on a pending review.
struct ReviewDecision {
  std::string status;  // kReviewApproved or kReviewRejected.
  // UTF-8, at most kMaxReviewNoteBytes, no card number (it is free text an
  // operator types); may be empty.
  std::string note;
};

// A cart line an order was built from, as the caller read it.
struct CartLineRef {
  std::string product_id;
  int64_t quantity = 0;
  std::string reservation_id;
  bool operator==(const CartLineRef&) const = default;
};

struct CreateOrderRequest {
  // Empty: no idempotency. Otherwise at most kMaxIdempotencyKeyBytes of
  // UTF-8; keys are global, so callers should make them unique per user
  // (the Idempotency-Key header is), and a key found on another user's order
  // is refused.
  std::string idempotency_key;
  // What the request asked for (e.g. a hash of user, cart and amounts),
  // compared on a retry: required with a key, non-empty UTF-8.
  std::string request_fingerprint;
  // Empty: the store makes one (StoreOptions::id_generator). A given id that
  // is already taken fails with AlreadyExists.
  std::string order_id;
  std::string user_id;  // Non-empty UTF-8.
  std::string cart_id;  // UTF-8, may be empty.
  std::string currency;
  int64_t subtotal_cents = 0;  // Must equal the items' sum.
  int64_t total_cents = 0;     // In [0, kMaxMoneyCents].
  ShippingAddress shipping;
  std::string billing_country;
  std::vector<OrderItem> items;  // Non-empty; `line` is ignored (set to 1, 2, ...).
  // The first status, recorded as history row 1 (from "" to it).
  std::string status = "pending";       // 1-64 chars of [a-z0-9_.-].
  std::string status_reason;            // UTF-8, may be empty.
  // Statuses the order moves through right after `status`, in the same
  // transaction, each a history row (empty reason): processOrder's
  // "pending, then payment_processing" is one commit. Each as `status`.
  std::vector<std::string> then_statuses;
  std::string payment_token;            // See Order::payment_token; no card number.
  std::optional<OutboxMessage> outbox;  // Queued for this order if set.
  int64_t now_ms = 0;                   // created_at; 0 = the store clock's now.
  // Checkout: when set, `cart_id` (required then) is marked ordered in the
  // same transaction, so one cart becomes at most one order whatever the
  // idempotency keys; the cart must be active (cart_not_found,
  // cart_not_active) and hold exactly these lines, in any order
  // (cart_changed otherwise: a line was added or changed after the caller
  // read the cart). Not checked on an idempotent replay.
  std::optional<std::vector<CartLineRef>> close_cart;

  // Fraud screening (see Order; each validated UTF-8 of at most
  // kMaxClientFieldBytes, may be empty).
  std::string device_fingerprint;
  std::string ip_address;
  std::string session_id;
  // The order's assessment, written in the same transaction (nothing is
  // written on an idempotent replay). review_status must be nullopt or
  // kReviewPending, reviewed_at_ms unset and review_note empty: a decision
  // is a later transition's. InvalidArgument naming "risk.<field>" otherwise
  // (a score outside [0, 1], a card-number-like run in details, ...).
  std::optional<RiskRecord> risk;
  // When > 0 (the order is held for a review, which keeps its stock): the
  // close_cart lines' reservations that are active and unexpired get
  // expires_at_ms = max(theirs, this) in the same transaction, so the
  // sweeper leaves them alone while an operator decides (the extension does
  // not count against the shopper's Extend limit; expired or ended holds are
  // left as they are, and the stock commit after approval reports them).
  // Requires close_cart; must be in (now_ms, now_ms + kMaxReservationTtlMs].
  int64_t hold_reservations_until_ms = 0;
};

struct CreateOrderResult {
  Order order;  // With items and history.
  // false: the idempotency key was already used by the same request, and
  // `order` is the order that request created (nothing was written).
  bool created = false;
};

enum class PaymentKind { kAuthorize, kCapture, kRefund, kVoid };
enum class PaymentStatus { kSucceeded, kFailed };
// Stored as exactly "authorize", "capture", "refund", "void" / "succeeded",
// "failed".
std::string_view PaymentKindName(PaymentKind kind);
std::string_view PaymentStatusName(PaymentStatus status);

// One call to the payment gateway and its outcome. Never a card number.
struct Payment {
  std::string id;  // Empty: the store makes one.
  std::string order_id;
  // Set by the store from the order (payments are counted per user).
  std::string user_id;
  PaymentKind kind = PaymentKind::kAuthorize;
  // In [0, kMaxMoneyCents], the order's currency; > 0 except for kVoid.
  int64_t amount_cents = 0;
  PaymentStatus status = PaymentStatus::kSucceeded;
  std::string gateway_ref;  // The gateway's transaction id; UTF-8, may be empty.
  std::string card_last4;   // Exactly 4 ASCII digits, or empty (no card).
  std::string token;  // The gateway's payment method token; UTF-8, may be empty, no card number.
  std::string failure_reason;  // UTF-8, no card number; for kFailed.
  int64_t at_ms = 0;           // 0 = the store clock's now.
  bool operator==(const Payment&) const = default;
};

// kCancelled: the order was cancelled before the task was completed (the
// row keeps status 'pending' and has cancelled_at_ms: migration 7's CHECK
// predates cancellation).
enum class FulfillmentStatus { kPending, kCompleted, kCancelled };
std::string_view FulfillmentStatusName(FulfillmentStatus status);

struct FulfillmentItem {
  std::string product_id;  // Non-empty UTF-8.
  int64_t quantity = 0;    // In [1, kMaxItemQuantity].
  bool operator==(const FulfillmentItem&) const = default;
};

// What a warehouse must pick and ship for an order (one per warehouse
// allocation).
struct FulfillmentTaskSpec {
  std::string warehouse_id;            // An existing warehouse (InventoryStore).
  std::vector<FulfillmentItem> items;  // Non-empty.
};

struct FulfillmentTask {
  std::string id;  // From StoreOptions::id_generator.
  std::string order_id;
  std::string warehouse_id;
  FulfillmentStatus status = FulfillmentStatus::kPending;
  std::vector<FulfillmentItem> items;  // In the spec's order.
  int64_t created_at_ms = 0;
  std::optional<int64_t> completed_at_ms;  // Set iff kCompleted.
  std::optional<int64_t> cancelled_at_ms;  // Set iff kCancelled.
  bool operator==(const FulfillmentTask&) const = default;
};

struct FulfillmentCompletion {
  FulfillmentTask task;  // As stored after the call.
  // Every task of the order is completed now (commerce ships the order).
  bool order_fulfilled = false;
  // The task was completed by an earlier call (a retry); nothing changed.
  bool already_completed = false;
};

// A compare-and-set of an order's status, with what must commit with it.
struct TransitionRequest {
  std::string order_id;
  std::string expected_from;  // The status the caller saw (and checked legal).
  std::string to;             // 1-64 chars of [a-z0-9_.-].
  std::string reason;         // UTF-8, may be empty ("payment_failed").
  int64_t at_ms = 0;          // 0 = the store clock's now.
  // Written in the same transaction, only if the compare-and-set succeeds
  // (each validated as by RecordPayment / CreateFulfillmentTasks; their
  // order_id is this order's; a payment's at_ms 0 and the tasks' creation
  // time are the transition's at_ms).
  std::optional<OutboxMessage> outbox;
  std::optional<Payment> payment;
  std::vector<FulfillmentTaskSpec> fulfillment_tasks;

  // Statuses the order moves through after `to`, in the same transaction,
  // each a history row with an empty reason (the order ends in the last):
  // processOrder's payment_confirmed -> inventory_allocated -> preparing is
  // one commit. Each as `to`.
  std::vector<std::string> then_to;
  // Stock effects, in the same transaction, applied in this order (errors as
  // InventoryStore's; any failure fails the whole transition):
  // active reservations released (released or expired ones are left as they
  // are; a committed one fails with reservation_not_active);
  std::vector<std::string> release_reservations;
  // the order's reservations turned into warehouse decrements (as
  // InventoryStore::Commit; its order_id must be this order's);
  std::optional<CommitRequest> commit_stock;
  // units returned to warehouses' on hand (a cancelled order's allocations).
  std::vector<Allocation> restock;
  // The order's pending fulfillment tasks become kCancelled.
  bool cancel_fulfillment = false;
  // The order's cart (marked ordered at checkout) becomes active again with
  // its lines, unless its user has another active cart by now (then it stays
  // ordered and its lines' active reservations are released): a checkout
  // that failed before allocation gives the shopper the cart back, its holds
  // expiring at the latest kDefaultReservationTtlMs from now (a review hold
  // of days shrinks back to the shopper's ordinary one).
  bool reopen_cart = false;
  // An operator's decision on the order's fraud review, recorded (status,
  // note, reviewed_at_ms = at_ms) in the same transaction: the order's risk
  // record must be pending (NotFound risk_not_found without a record,
  // FailedPrecondition review_not_pending otherwise). Checked after the
  // status compare-and-set, so a decision racing another fails with
  // status_changed when the other one moved the order.
  std::optional<ReviewDecision> review;
};

struct TransitionResult {
  StatusChange change;                             // The history row appended for `to`.
  std::vector<StatusChange> then_changes;          // One per then_to status.
  std::optional<Payment> payment;                  // As stored (id, user_id set).
  std::vector<FulfillmentTask> fulfillment_tasks;  // As stored.
  std::optional<int64_t> outbox_seq;               // The outbox message's seq.
  std::optional<RiskRecord> risk;                  // As stored after `review`, if set.
};

// An order awaiting a fraud review with its assessment (ListPendingReviews).
struct PendingReview {
  Order order;  // With items and history.
  RiskRecord risk;
  bool operator==(const PendingReview&) const = default;
};

// Card reuse around one payment token (CardUsage). Tokens are the card's
// identity: the sandbox gateway issues one stable token per card.
struct CardUsageCounts {
  // Distinct non-empty tokens in the user's payments (a card counts once
  // it was tried, declined or not); the token asked about counts only if
  // the user has used it.
  int64_t distinct_cards_of_user = 0;
  // Distinct users whose payments used the token, the user included if so.
  int64_t distinct_users_of_card = 0;
  // The user's payments with the token (0: the card is new to the account).
  int64_t user_payments_with_card = 0;
  bool operator==(const CardUsageCounts&) const = default;
};

// A customer's placed orders, summed (CustomerHistoryOf).
struct CustomerHistory {
  int64_t placed_orders = 0;
  // Over the placed orders in the asked currency: how many, and their total.
  int64_t orders_in_currency = 0;
  int64_t total_cents_in_currency = 0;
  // Mean shipping coordinates over the placed orders that have them; unset
  // when none has.
  std::optional<double> mean_latitude;
  std::optional<double> mean_longitude;
  bool operator==(const CustomerHistory&) const = default;
};

// Device reuse around one fingerprint (DeviceUsage), from orders.
struct DeviceUsageCounts {
  // The user's orders placed with the fingerprint (0: a new device).
  int64_t user_orders_with_device = 0;
  // Distinct users who placed orders with it, the user included if so.
  int64_t distinct_users_of_device = 0;
  bool operator==(const DeviceUsageCounts&) const = default;
};

// An outbox row.
struct OutboxEntry {
  int64_t seq = 0;  // Global, increasing, never reused.
  std::string order_id;
  std::string kind;
  std::string payload;
  int64_t created_at_ms = 0;
  std::optional<int64_t> delivered_at_ms;  // Set once delivered.
  int attempts = 0;                        // Delivery attempts so far.
  int64_t next_attempt_at_ms = 0;
  std::string last_error;  // Of the last failed attempt.
  bool operator==(const OutboxEntry&) const = default;
};

class OrderStore {
 public:
  virtual ~OrderStore() = default;

  // --- Orders -----------------------------------------------------------------

  // Creates an order, atomically with its items, history row 1, its
  // idempotency key and its outbox message, all in ONE job. When the key is
  // already known: the same fingerprint (and user) returns the order it
  // created with created=false, so a retry never creates a second order nor
  // charges twice (the caller charges only through a status transition,
  // which only one caller wins); another fingerprint or user fails with
  // FailedPrecondition idempotency_key_reused. Concurrent calls with one key
  // yield exactly one order. InvalidArgument for a bad request (nothing is
  // written): empty user_id or items, a malformed currency or country,
  // amounts out of range, subtotal_cents != the items' sum, a bad risk
  // record or hold_reservations_until_ms.
  virtual std::future<absl::StatusOr<CreateOrderResult>> CreateOrder(
      CreateOrderRequest request) = 0;

  // Compare-and-set: moves the order from `expected_from` to `to`, appends a
  // history row and writes the request's outbox message, payment and
  // fulfillment tasks, all or nothing. NotFound order_not_found;
  // FailedPrecondition status_changed (the current status in the message
  // and in CurrentOrderStatus) when the order is not in `expected_from`;
  // then risk_not_found / review_not_pending for a review, the errors of
  // RecordPayment and CreateFulfillmentTasks. Legality of the move is the
  // caller's business.
  virtual std::future<absl::StatusOr<TransitionResult>> TransitionOrder(
      TransitionRequest request) = 0;

  // The order with items and history; nullopt for an unknown id.
  virtual absl::StatusOr<std::optional<Order>> GetOrder(std::string_view order_id) const = 0;

  // The order an idempotency key created; nullopt for an unknown key. The
  // caller checks that it belongs to the requesting user.
  virtual absl::StatusOr<std::optional<Order>> GetOrderByIdempotencyKey(
      std::string_view idempotency_key) const = 0;

  // The user's newest orders first (ties by id), with items and history;
  // `limit` in [1, kMaxListLimit].
  virtual absl::StatusOr<std::vector<Order>> ListOrdersOfUser(std::string_view user_id,
                                                              int64_t limit) const = 0;

  // Orders in `status` whose last change is at or before `updated_before_ms`,
  // oldest change first (recovery of orders a crash left mid-flow, e.g. in
  // payment_processing); `limit` in [1, kMaxListLimit]. Items and history
  // included.
  virtual absl::StatusOr<std::vector<Order>> ListOrdersInStatus(std::string_view status,
                                                                int64_t updated_before_ms,
                                                                int64_t limit) const = 0;

  // --- Velocity (issue E's fraud rules) ------------------------------------------

  // Orders the user created at or after since_ms (every status).
  virtual absl::StatusOr<int64_t> CountOrders(std::string_view user_id, int64_t since_ms) const = 0;
  // total_cents of those orders, per currency (only currencies with orders).
  virtual absl::StatusOr<std::map<std::string, int64_t>> SumOrderTotals(std::string_view user_id,
                                                                        int64_t since_ms) const = 0;
  // Failed payments of the user's orders at or after since_ms.
  virtual absl::StatusOr<int64_t> CountFailedPayments(std::string_view user_id,
                                                      int64_t since_ms) const = 0;
  // Card reuse from payments at or after since_ms (every kind and status).
  // An empty token has no usage: only distinct_cards_of_user is counted.
  // InvalidArgument for an empty user_id, a bad since_ms.
  virtual absl::StatusOr<CardUsageCounts> CardUsage(std::string_view user_id,
                                                    std::string_view token,
                                                    int64_t since_ms) const = 0;
  // Device reuse from orders created at or after since_ms (every status; 0
  // for all time). An empty fingerprint (unknown device) counts nothing.
  virtual absl::StatusOr<DeviceUsageCounts> DeviceUsage(std::string_view user_id,
                                                        std::string_view fingerprint,
                                                        int64_t since_ms) const = 0;
  // The user's placed orders (those that reached `placed_status`, e.g.
  // "preparing"), over the newest `limit` (in [1, kMaxListLimit]) of them,
  // in one query: the order-value and geography rules' history.
  virtual absl::StatusOr<CustomerHistory> CustomerHistoryOf(std::string_view user_id,
                                                            std::string_view currency,
                                                            std::string_view placed_status,
                                                            int64_t limit) const = 0;

  // --- Fraud reviews (issue E) ----------------------------------------------------

  // The order's assessment; nullopt when it has none (or is unknown).
  virtual absl::StatusOr<std::optional<RiskRecord>> GetRisk(std::string_view order_id) const = 0;

  // Orders whose review is pending, oldest assessment first (ties by order
  // id), with their assessments, read in one snapshot; `limit` in
  // [1, kMaxListLimit].
  virtual absl::StatusOr<std::vector<PendingReview>> ListPendingReviews(int64_t limit) const = 0;

  // --- Payments -------------------------------------------------------------------

  // Records one gateway call's outcome and returns it as stored (id and
  // user_id set). InvalidArgument for a token or failure reason that
  // contains a card number, a last4 that is not exactly 4 digits, a bad
  // amount; NotFound order_not_found; FailedPrecondition already_captured
  // for a second succeeded capture of an order, refund_exceeds_capture when
  // succeeded refunds would exceed succeeded captures.
  virtual std::future<absl::StatusOr<Payment>> RecordPayment(Payment payment) = 0;

  // The order's payments in the order they were recorded.
  virtual absl::StatusOr<std::vector<Payment>> ListPayments(std::string_view order_id) const = 0;

  // --- Fulfillment ------------------------------------------------------------------

  // One task per warehouse allocation of the order, all or nothing, created
  // pending at now_ms (0 = the clock's now) and returned as stored.
  // InvalidArgument for no tasks, empty items, two tasks for one warehouse;
  // NotFound order_not_found / warehouse_not_found; FailedPrecondition
  // fulfillment_task_exists when the order already has a task for one of
  // the warehouses (so a retried call creates nothing twice).
  virtual std::future<absl::StatusOr<std::vector<FulfillmentTask>>> CreateFulfillmentTasks(
      std::string order_id, std::vector<FulfillmentTaskSpec> tasks, int64_t now_ms) = 0;

  // The warehouse's tasks in `status`, oldest first (ties by id); `limit` in
  // [1, kMaxListLimit].
  virtual absl::StatusOr<std::vector<FulfillmentTask>> ListFulfillmentTasks(
      std::string_view warehouse_id, FulfillmentStatus status, int64_t limit) const = 0;

  // The order's tasks, by warehouse id.
  virtual absl::StatusOr<std::vector<FulfillmentTask>> ListOrderFulfillmentTasks(
      std::string_view order_id) const = 0;

  // Marks the task completed at now_ms (0 = the clock's now) and says, from
  // the same transaction, whether every task of its order is completed.
  // Idempotent: completing a completed task changes nothing
  // (already_completed). NotFound fulfillment_task_not_found.
  virtual std::future<absl::StatusOr<FulfillmentCompletion>> CompleteFulfillmentTask(
      std::string task_id, int64_t now_ms) = 0;

  // --- Outbox ---------------------------------------------------------------------

  // Up to `limit` (in [1, kMaxListLimit]) undelivered messages due at now_ms
  // (next_attempt_at_ms <= now_ms), by seq, holding back every message of an
  // order that has an earlier undelivered message (due or not): per order,
  // only the oldest undelivered message is ever offered, so delivery is in
  // order per order while one order's failing message does not delay the
  // others. Assumes one deliverer: a message is offered again until it is
  // marked delivered or failed.
  virtual absl::StatusOr<std::vector<OutboxEntry>> PendingOutbox(int64_t now_ms,
                                                                 int64_t limit) const = 0;

  // Marks the message delivered at now_ms (0 = the clock's now) and counts
  // the attempt. Idempotent: a delivered message stays as it is.
  // NotFound outbox_message_not_found.
  virtual std::future<absl::Status> MarkDelivered(int64_t seq, int64_t now_ms) = 0;

  // Counts a failed attempt, records `error` (UTF-8, no card number) and
  // schedules the next one at next_attempt_at_ms; returns the entry as
  // stored. NotFound outbox_message_not_found; FailedPrecondition
  // outbox_message_delivered when it was delivered already.
  virtual std::future<absl::StatusOr<OutboxEntry>> MarkAttemptFailed(int64_t seq,
                                                                     int64_t next_attempt_at_ms,
                                                                     std::string error) = 0;

  // The order's outbox messages by seq (delivered or not).
  virtual absl::StatusOr<std::vector<OutboxEntry>> ListOrderOutbox(
      std::string_view order_id) const = 0;
};

}  // namespace aisle::store

#endif  // AISLE_STORE_ORDER_STORE_H_
