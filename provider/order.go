package provider

import (
	"context"
	"time"

	"github.com/buybutton/buybutton/money"
)

// Orders places orders with the merchant and reports what happened to them.
type Orders interface {
	// PlaceOrder places an order paid by the already authorized PaymentID,
	// or, when Total is zero, an order with no payment at all (PaymentID
	// empty): a free item, or one discounted to nothing, which no payments
	// platform would charge. Commerce platforms complete such orders
	// without payment (Shopify's checkoutCompleteFree); a provider places
	// it as any other. With a ReservationID it consumes that reservation atomically: it
	// returns [ErrReservationExpired] if the reservation is no longer held
	// and places nothing. Without one, it returns an [*OutOfStockError] when
	// the stock is not there.
	//
	// The same IdempotencyKey returns the same order; a provider never
	// places two orders for one key.
	PlaceOrder(ctx context.Context, req PlaceOrderRequest) (Order, error)

	// CancelOrder cancels an order that has not shipped, and returns its
	// stock. Cancelling a cancelled order succeeds and changes nothing; a
	// shipped order is [ErrInvalidState]. Money is not the provider's
	// concern here: the library voids or refunds the payment itself.
	CancelOrder(ctx context.Context, req CancelOrderRequest) (Order, error)

	// Order returns an order's current state.
	Order(ctx context.Context, orderID string) (Order, error)
}

// PlaceOrderRequest is an order the buyer confirmed and paid for.
type PlaceOrderRequest struct {
	IdempotencyKey string
	// KeyCreatedAt is when the library made IdempotencyKey, as on
	// [AuthorizeRequest]: a second order would ship the goods twice.
	KeyCreatedAt     time.Time
	ReservationID    string // empty when the merchant has no Inventory
	Lines            []OrderLine
	ShipTo           *Address // nil when nothing ships
	ShippingOptionID string   // empty when nothing ships
	PaymentID        string   // an authorized payment covering Total; empty when Total is zero
	Total            money.Amount
	Contact          Contact
	// DiscountCodes are the codes the order's quote applied (its lines'
	// prices are before them, its Total after), so that the platform
	// records their use.
	DiscountCodes []string
}

// OrderLine is a quantity of a variant at the unit price the buyer agreed to.
type OrderLine struct {
	VariantID string
	Quantity  int
	UnitPrice money.Amount
}

// Contact is how the merchant reaches the buyer about the order: what the
// buyer chose to share, nothing more.
type Contact struct {
	Name  string
	Email string
}

// CancelOrderRequest cancels an order.
type CancelOrderRequest struct {
	IdempotencyKey string
	OrderID        string
	Reason         string
}

// Order is an order as the merchant's platform holds it.
type Order struct {
	ID        string
	Status    OrderStatus
	Lines     []OrderLine
	Total     money.Amount
	Shipments []Shipment
	PlacedAt  time.Time
}

// OrderStatus is the merchant's fulfilment state of an order.
type OrderStatus string

const (
	OrderPlaced             OrderStatus = "placed"
	OrderPartiallyFulfilled OrderStatus = "partially_fulfilled"
	OrderFulfilled          OrderStatus = "fulfilled" // every line shipped
	OrderDelivered          OrderStatus = "delivered"
	OrderCanceled           OrderStatus = "canceled"
)

// Shipment is a parcel on its way, with what a buyer needs to follow it.
type Shipment struct {
	Carrier        string
	TrackingNumber string
	TrackingURL    string // https, or empty
}
