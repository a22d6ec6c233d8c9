package buybutton

// CheckoutState is where a checkout is. docs/checkout.md draws the machine.
type CheckoutState string

const (
	// CheckoutOpen: lines priced from the catalog; no address yet. A
	// checkout whose lines do not ship can be confirmed from here.
	CheckoutOpen CheckoutState = "open"
	// CheckoutAddressed: quoted for a shipping address; a shipping option
	// is still to be chosen.
	CheckoutAddressed CheckoutState = "addressed"
	// CheckoutShippingSelected: ready to confirm.
	CheckoutShippingSelected CheckoutState = "shipping_selected"
	// CheckoutPaymentPending: claimed by a Confirm that is reserving stock,
	// authorizing, placing the order and capturing. Only the claimant
	// moves it on; if it dies, its claim lapses and Reconcile resumes it
	// with the same idempotency keys.
	CheckoutPaymentPending CheckoutState = "payment_pending"
	// CheckoutRequiresAction: the payment waits for the buyer (3-D Secure).
	// Confirm again, or the payment.authorized webhook, resumes it.
	CheckoutRequiresAction CheckoutState = "requires_action"
	// CheckoutUnknown: a provider could not say whether a step happened.
	// Reconcile resumes it with the same idempotency keys, which tells.
	CheckoutUnknown CheckoutState = "unknown"

	CheckoutPlaced   CheckoutState = "placed"   // terminal: the order exists
	CheckoutFailed   CheckoutState = "failed"   // terminal: the merchant refused the order; payment voided
	CheckoutExpired  CheckoutState = "expired"  // terminal: not confirmed in time; stock and payment released
	CheckoutCanceled CheckoutState = "canceled" // terminal: the buyer gave up; stock and payment released
)

// checkoutMachine is the checkout's transition table. A state not listed as
// a source is terminal.
var checkoutMachine = machine[CheckoutState]{name: "checkout", edges: map[CheckoutState][]CheckoutState{
	CheckoutOpen: {
		CheckoutOpen, CheckoutAddressed, // address entered
		CheckoutPaymentPending, // confirmed, nothing ships
		CheckoutExpired, CheckoutCanceled,
	},
	CheckoutAddressed: {
		CheckoutAddressed, CheckoutShippingSelected,
		CheckoutExpired, CheckoutCanceled,
	},
	CheckoutShippingSelected: {
		CheckoutAddressed,        // back-edge: a new address is quoted again
		CheckoutShippingSelected, // another option chosen
		CheckoutPaymentPending,   // confirmed
		CheckoutExpired, CheckoutCanceled,
	},
	CheckoutPaymentPending: {
		CheckoutPaymentPending,                  // a lapsed claim taken over, or compensation begun
		CheckoutPlaced,                          //
		CheckoutRequiresAction, CheckoutUnknown, //
		CheckoutOpen, CheckoutShippingSelected, // back to ready: declined, out of stock, price changed
		CheckoutFailed,
	},
	CheckoutRequiresAction: {
		CheckoutPaymentPending, // resumed
		CheckoutExpired, CheckoutCanceled,
	},
	CheckoutUnknown: {
		CheckoutPaymentPending, // reconciled
	},
}}

// ready reports whether the checkout may be confirmed: a shipping option is
// chosen, or nothing ships.
func (co *Checkout) ready() bool {
	return co.State == CheckoutShippingSelected || (co.State == CheckoutOpen && !co.ships())
}

// readyState is the state a checkout returns to when a placement attempt
// ends without an order and the buyer may try again.
func (co *Checkout) readyState() CheckoutState {
	if co.ships() {
		return CheckoutShippingSelected
	}
	return CheckoutOpen
}

// Terminal reports whether the checkout can no longer change.
func (s CheckoutState) Terminal() bool {
	_, moves := checkoutMachine.edges[s]
	return !moves
}
