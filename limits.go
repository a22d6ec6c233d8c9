package buybutton

// Limits on what a card may carry. They keep a card's JSON small enough to
// hydrate a timeline page cheaply, and bound the work hostile input can
// cause. Product data over these limits is refused, not truncated: a
// silently shortened title or a dropped variant would sell something other
// than what the merchant listed.
const (
	MaxPostIDLength      = 128  // bytes
	MaxTitleLength       = 200  // characters
	MaxDescriptionLength = 5000 // characters
	MaxImages            = 10
	MaxImageURLLength    = 2048 // bytes
	MaxAltLength         = 300  // characters
	MaxOptions           = 3    // option dimensions, e.g. Size, Colour, Material
	MaxOptionValues      = 100
	MaxOptionLength      = 100 // characters, for names and values
	MaxVariants          = 100
)
