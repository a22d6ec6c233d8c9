module github.com/buybutton/buybutton/examples/quickstart

go 1.24

require (
	github.com/buybutton/buybutton v0.0.0
	github.com/buybutton/buybutton/provider/stripe v0.0.0
)

require (
	github.com/google/uuid v1.6.0 // indirect
	github.com/shopspring/decimal v1.6.0 // indirect
	github.com/stripe/stripe-go/v85 v85.0.0 // indirect
)

replace (
	github.com/buybutton/buybutton => ../..
	github.com/buybutton/buybutton/provider/stripe => ../../provider/stripe
)
