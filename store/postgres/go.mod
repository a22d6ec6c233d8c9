module github.com/buybutton/buybutton/store/postgres

go 1.25.0

require (
	github.com/buybutton/buybutton v0.0.0
	github.com/google/uuid v1.6.0
	github.com/jackc/pgx/v5 v5.12.0
)

require github.com/stripe/stripe-go/v85 v85.0.0 // indirect

require (
	github.com/buybutton/buybutton/provider/stripe v0.0.0
	github.com/jackc/pgpassfile v1.0.0 // indirect
	github.com/jackc/pgservicefile v0.0.0-20240606120523-5a60cdf6a761 // indirect
	github.com/jackc/puddle/v2 v2.2.3 // indirect
	github.com/shopspring/decimal v1.6.0 // indirect
	github.com/stretchr/testify v1.12.1 // indirect
	go.yaml.in/yaml/v3 v3.0.5 // indirect
	golang.org/x/sync v0.22.0 // indirect
	golang.org/x/text v0.41.0 // indirect
)

replace github.com/buybutton/buybutton => ../..

replace github.com/buybutton/buybutton/provider/stripe => ../../provider/stripe
