// The demo catalog's word banks. Brand names are invented.
#include "ingest/demo_vocabulary.h"

namespace aisle::ingest::internal::demo {
namespace {

using S = Spec;
using sv = std::string_view;

// Colours and materials.
constexpr sv kTechColors[] = {"Midnight Black", "Silver", "Space Gray", "Ocean Blue",
                              "Rose Gold",      "White",  "Graphite",   "Forest Green"};
constexpr sv kFashionColors[] = {"Black", "Navy",  "Heather Gray", "Olive", "Burgundy",
                                 "White", "Khaki", "Charcoal",     "Red",   "Sky Blue"};
constexpr sv kHomeColors[] = {"Stainless Steel", "Matte Black", "White",  "Cream",
                              "Sage Green",      "Terracotta",  "Walnut", "Copper"};
constexpr sv kBrightColors[] = {"Red",    "Blue",   "Green", "Yellow",
                                "Orange", "Purple", "Pink",  "Black"};
constexpr sv kTechMaterials[] = {"Aluminum", "Polycarbonate", "Tempered Glass"};
constexpr sv kHomeMaterials[] = {"Stainless Steel",    "Cast Iron", "Ceramic", "Bamboo",
                                 "Borosilicate Glass", "Cotton",    "Aluminum"};
constexpr sv kFabricMaterials[] = {"Cotton", "Polyester", "Wool",        "Denim",
                                   "Linen",  "Fleece",    "Merino Wool", "Organic Cotton"};
constexpr sv kSportMaterials[] = {"Nylon", "Neoprene", "Aluminum", "Rubber", "Polyester"};
constexpr sv kToyMaterials[] = {"Plastic", "Wood", "Plush", "Die-Cast Metal"};
constexpr sv kOfficeMaterials[] = {"Plastic", "Metal", "Leather", "Mesh", "Wood"};
constexpr sv kPetMaterials[] = {"Nylon", "Plush", "Natural Rubber", "Cotton"};
constexpr sv kToolMaterials[] = {"Steel", "Aluminum", "Fiberglass", "Chrome Vanadium"};

// Adjectives.
constexpr sv kTechAdjectives[] = {"Ultra", "Pro",     "Slim", "Wireless",
                                  "Smart", "Compact", "Max",  "Lite"};
constexpr sv kHomeAdjectives[] = {"Nonstick",  "Premium", "Classic", "Modern",
                                  "Essential", "Deluxe",  "Everyday"};
constexpr sv kGroceryAdjectives[] = {"Organic", "Classic", "Premium",    "Original",
                                     "Natural", "Gourmet", "Family Size"};
constexpr sv kFashionAdjectives[] = {"Slim Fit",    "Relaxed Fit", "Classic",  "Everyday",
                                     "Lightweight", "Vintage",     "Essential"};
constexpr sv kSportAdjectives[] = {"Pro",         "Trail",      "Performance",
                                   "All-Weather", "Ultralight", "Training"};
constexpr sv kBeautyAdjectives[] = {"Hydrating", "Gentle",     "Daily",
                                    "Intensive", "Nourishing", "Radiance"};
constexpr sv kToyAdjectives[] = {"Deluxe", "Junior", "Creative", "Classic", "Adventure", "Mini"};
constexpr sv kOfficeAdjectives[] = {"Professional", "Ergonomic", "Essential",
                                    "Premium",      "Compact",   "Executive"};
constexpr sv kPetAdjectives[] = {"Natural", "Grain-Free", "Durable", "Cozy", "Premium", "Everyday"};
constexpr sv kToolAdjectives[] = {"Heavy-Duty", "Cordless",  "Professional",
                                  "Compact",    "Precision", "Brushless"};

// Extra attribute values.
constexpr sv kWarranty[] = {"1 year", "2 years", "3 years"};
constexpr sv kConnectivity[] = {"Bluetooth", "Wi-Fi", "USB-C", "Wired"};
constexpr sv kDishwasher[] = {"yes", "no"};
constexpr sv kDietary[] = {"Gluten Free",   "Vegan",     "Non-GMO",
                           "Keto Friendly", "Low Sugar", "Kosher"};
constexpr sv kOrigin[] = {"USA", "Italy", "India", "Japan", "Colombia", "Kenya", "Spain"};
constexpr sv kFit[] = {"Regular", "Slim", "Relaxed", "Athletic"};
constexpr sv kCare[] = {"Machine wash", "Hand wash", "Dry clean only"};
constexpr sv kLevel[] = {"Beginner", "Intermediate", "Advanced"};
constexpr sv kSkinType[] = {"All Skin Types", "Dry", "Oily", "Sensitive", "Combination"};
constexpr sv kScent[] = {"Unscented", "Lavender", "Citrus", "Vanilla", "Fresh", "Coconut"};
constexpr sv kAge[] = {"3+", "5+", "8+", "12+"};
constexpr sv kPlayers[] = {"1-2", "2-4", "2-6", "3-8"};
constexpr sv kRecycled[] = {"0%", "30%", "50%", "100%"};
constexpr sv kLifeStage[] = {"Puppy", "Adult", "Senior", "All Life Stages"};
constexpr sv kPetSize[] = {"Small", "Medium", "Large"};
constexpr sv kVoltage[] = {"12V", "18V", "20V", "40V"};
constexpr sv kFinish[] = {"Matte", "Satin", "Gloss", "Eggshell"};

// Department sentences.
constexpr sv kTechSentences[] = {
    "Fast charging gets you from empty to a full day in under an hour.",
    "Firmware updates keep the %n secure and add features over time.",
    "The %m body feels solid without adding weight to your bag.",
    "Pairs in seconds with phones, tablets and laptops.",
    "An energy-efficient design keeps battery life long and heat low.",
    "Setup takes minutes with the companion app.",
};
constexpr sv kHomeSentences[] = {
    "Heats evenly so every meal comes out just right.",
    "The %m construction resists warping, stains and odors.",
    "Dishwasher safe for quick cleanup after busy weeknights.",
    "Its %c finish fits right into modern and traditional kitchens.",
    "Stackable design saves space in crowded cupboards.",
    "Comfortable handles stay cool and secure in your grip.",
};
constexpr sv kGrocerySentences[] = {
    "Made with simple ingredients you can pronounce.",
    "Sourced from trusted growers and packed for freshness.",
    "Enjoy it on its own or as part of your favorite recipe.",
    "A pantry staple for busy mornings and late-night cravings.",
    "No artificial colors, flavors or preservatives.",
    "Resealable packaging keeps every serving tasting fresh.",
};
constexpr sv kFashionSentences[] = {
    "Soft %m feels great from the first wear to the hundredth.",
    "A tailored cut flatters without restricting movement.",
    "Reinforced seams hold their shape wash after wash.",
    "Dress it up for work or down for the weekend.",
    "The %c shade pairs easily with the rest of your wardrobe.",
    "Breathable fabric keeps you comfortable all day long.",
};
constexpr sv kSportSentences[] = {
    "Built to handle rain, mud and everything in between.",
    "Lightweight %m keeps your load down on long days out.",
    "Tested by athletes and outdoor guides in real conditions.",
    "Packs down small and sets up in minutes.",
    "Grippy surfaces keep you steady when it matters most.",
    "A smart upgrade for weekend warriors and seasoned pros alike.",
};
constexpr sv kBeautySentences[] = {
    "Dermatologist tested and suitable for daily use.",
    "A lightweight formula absorbs quickly without a greasy feel.",
    "Free from parabens, sulfates and artificial dyes.",
    "Leaves skin and hair feeling soft, clean and refreshed.",
    "Cruelty free and packaged in recyclable materials.",
    "A little goes a long way, so one bottle lasts for weeks.",
};
constexpr sv kToySentences[] = {
    "Encourages creativity, problem solving and hours of screen-free play.",
    "Rounded edges and non-toxic %m make it safe for little hands.",
    "Easy to learn and fun to master for the whole family.",
    "Bright colors and sturdy parts hold up to enthusiastic play.",
    "Makes a memorable birthday or holiday gift.",
    "Everything you need is included in the box.",
};
constexpr sv kOfficeSentences[] = {
    "Keeps your desk organized and your workflow moving.",
    "Ergonomic details reduce strain during long work sessions.",
    "Reliable performance for home offices and busy classrooms alike.",
    "Durable %m stands up to daily use.",
    "A clean, professional look that suits any workspace.",
    "Refills and replacement parts are easy to find.",
};
constexpr sv kPetSentences[] = {
    "Veterinarian recommended for happy, healthy pets.",
    "Durable enough for enthusiastic chewers and playful pups.",
    "Easy to clean, so your home stays fresh.",
    "Made with pet-safe %m and no harsh chemicals.",
    "Your furry friend will love it from day one.",
    "Sized to fit comfortably for pets of every breed.",
};
constexpr sv kToolSentences[] = {
    "Delivers professional power for weekend projects and job sites.",
    "Balanced weight reduces fatigue during extended use.",
    "The %m build shrugs off drops, dust and daily wear.",
    "Compatible with the full %b battery and accessory system.",
    "Clear markings and a firm grip make precise work easier.",
    "Stores neatly in a toolbox or on a pegboard.",
};

constexpr sv kGenericSentences[] = {
    "The %b %n is a customer favorite for good reason.",
    "Every detail has been tested to meet our strict quality standards.",
    "A great choice for gifting or for treating yourself.",
    "Backed by responsive customer support and a hassle-free return policy.",
    "Thousands of customers rely on %b for dependable quality at a fair price.",
    "Compare it with pricier alternatives and see the difference.",
    "Ships in plastic-free, recyclable packaging.",
    "Order today and see why %b is a name people trust.",
};

// For departments whose products are objects (they have materials).
constexpr sv kHardGoodsSentences[] = {
    "The %b %n is built for everyday use and designed to last.",
    "Crafted from %m, it balances durability with a clean, modern look.",
    "Easy to clean, easy to store and easy to love.",
    "The %c finish pairs well with any style.",
    "Compact enough to travel with and sturdy enough for daily use.",
    "Designed in-house and refined through years of customer feedback.",
    "Thoughtful touches make this %n a pleasure to use every day.",
    "Ideal for small apartments, family homes and everything in between.",
};

// Spec values.
constexpr sv kStorage[] = {"64GB", "128GB", "256GB", "512GB", "1TB"};
constexpr sv kScreen[] = {"24-inch", "27-inch", "32-inch", "43-inch", "55-inch", "65-inch"};
constexpr sv kCapacity[] = {"1L", "1.5L", "2L", "3L", "5L", "6 Qt"};
constexpr sv kDiameter[] = {"8-inch", "10-inch", "12-inch", "14-inch"};
constexpr sv kWeight[] = {"100g", "250g", "500g", "1kg", "2kg"};
constexpr sv kVolume[] = {"250ml", "500ml", "1L", "2L", "12 x 355ml"};
constexpr sv kApparel[] = {"XS", "S", "M", "L", "XL", "XXL"};
constexpr sv kShoe[] = {"5", "6", "7", "8", "9", "10", "11", "12", "13"};
constexpr sv kPower[] = {"300W", "600W", "900W", "1200W", "1500W"};
constexpr sv kLoad[] = {"5 lb", "10 lb", "15 lb", "20 lb", "25 lb", "35 lb"};
constexpr sv kPackOf[] = {"Pack of 2", "Pack of 3", "Pack of 6", "Pack of 12", "Pack of 24"};

constexpr Department kDepartments[] = {
    {"Electronics",
     {"Voltix", "Nexora", "Aurion", "Pixelon", "Quantra", "Soniq", "Lumetra", "Kestrel Audio",
      "Orbix", "Zentro", "Arcwave", "Helixa", "Brightcore", "Novatek", "Skylar"},
     {{{"Phones",
        {{{"Smartphones", "Smartphone", 499, S::kStorage},
          {"Basic Phones", "Flip Phone", 59, S::kNone},
          {"Phone Cases", "Phone Case", 19, S::kNone},
          {"Chargers", "Fast Charger", 25, S::kPower},
          {"Screen Protectors", "Screen Protector", 12, S::kPack}}}},
       {"Computers",
        {{{"Laptops", "Laptop", 899, S::kStorage},
          {"Desktops", "Desktop Computer", 749, S::kStorage},
          {"Monitors", "Monitor", 229, S::kScreen},
          {"Keyboards", "Mechanical Keyboard", 79, S::kNone},
          {"Mice", "Wireless Mouse", 29, S::kNone}}}},
       {"Audio",
        {{{"Headphones", "Headphones", 149, S::kNone},
          {"Earbuds", "Earbuds", 79, S::kNone},
          {"Bluetooth Speakers", "Bluetooth Speaker", 69, S::kNone},
          {"Soundbars", "Soundbar", 199, S::kPower},
          {"Turntables", "Turntable", 249, S::kNone}}}},
       {"TV & Video",
        {{{"Televisions", "4K Smart TV", 549, S::kScreen},
          {"Projectors", "Projector", 399, S::kNone},
          {"Streaming Players", "Streaming Stick", 39, S::kNone},
          {"TV Mounts", "TV Wall Mount", 45, S::kScreen},
          {"Remote Controls", "Universal Remote", 24, S::kNone}}}},
       {"Cameras",
        {{{"Digital Cameras", "Mirrorless Camera", 899, S::kNone},
          {"Action Cameras", "Action Camera", 249, S::kStorage},
          {"Camera Lenses", "Zoom Lens", 449, S::kNone},
          {"Tripods", "Travel Tripod", 59, S::kNone},
          {"Memory Cards", "microSD Card", 22, S::kStorage}}}},
       {"Wearables",
        {{{"Smartwatches", "Smartwatch", 279, S::kNone},
          {"Fitness Trackers", "Fitness Tracker", 89, S::kNone},
          {"Watch Bands", "Watch Band", 19, S::kNone},
          {"VR Headsets", "VR Headset", 399, S::kStorage},
          {"Smart Rings", "Smart Ring", 299, S::kNone}}}}}},
     kTechAdjectives,
     kTechColors,
     kTechMaterials,
     {{{"warranty", kWarranty}, {"connectivity", kConnectivity}}},
     kTechSentences,
     true},
    {"Home & Kitchen",
     {"Hearthstone", "Copperline", "Nordhaven", "Kitchora", "Maison Belle", "Oakridge Home",
      "Culina", "Everbright", "Saltwood", "Pantrymade", "Lumen & Loom", "Casa Verde", "Ironleaf",
      "Softnest", "Bellacasa"},
     {{{"Cookware",
        {{{"Frying Pans", "Frying Pan", 39, S::kDiameter},
          {"Saucepans", "Saucepan", 35, S::kCapacity},
          {"Dutch Ovens", "Dutch Oven", 79, S::kCapacity},
          {"Stock Pots", "Stock Pot", 49, S::kCapacity},
          {"Woks", "Wok", 44, S::kDiameter}}}},
       {"Small Appliances",
        {{{"Blenders", "Blender", 89, S::kPower},
          {"Coffee Makers", "Coffee Maker", 79, S::kNone},
          {"Toasters", "Toaster", 39, S::kNone},
          {"Air Fryers", "Air Fryer", 99, S::kCapacity},
          {"Electric Kettles", "Electric Kettle", 35, S::kCapacity}}}},
       {"Kitchen Tools",
        {{{"Knife Sets", "Knife Set", 69, S::kNone},
          {"Cutting Boards", "Cutting Board", 25, S::kNone},
          {"Measuring Cups", "Measuring Cup Set", 14, S::kNone},
          {"Spatulas", "Spatula", 9, S::kPack},
          {"Can Openers", "Can Opener", 15, S::kNone}}}},
       {"Tableware",
        {{{"Dinner Plates", "Dinner Plate Set", 39, S::kNone},
          {"Bowls", "Serving Bowl", 19, S::kPack},
          {"Mugs", "Coffee Mug", 14, S::kPack},
          {"Drinking Glasses", "Glass Tumbler", 24, S::kPack},
          {"Flatware Sets", "Flatware Set", 49, S::kNone}}}},
       {"Bedding",
        {{{"Sheet Sets", "Sheet Set", 59, S::kNone},
          {"Pillows", "Bed Pillow", 34, S::kPack},
          {"Duvets", "Down Alternative Duvet", 89, S::kNone},
          {"Blankets", "Throw Blanket", 39, S::kNone},
          {"Mattress Toppers", "Mattress Topper", 119, S::kNone}}}},
       {"Home Decor",
        {{{"Lamps", "Table Lamp", 49, S::kNone},
          {"Wall Clocks", "Wall Clock", 29, S::kNone},
          {"Picture Frames", "Picture Frame", 19, S::kPack},
          {"Candles", "Scented Candle", 18, S::kNone},
          {"Vases", "Decorative Vase", 29, S::kNone}}}}}},
     kHomeAdjectives,
     kHomeColors,
     kHomeMaterials,
     {{{"dishwasher_safe", kDishwasher}, {"warranty", kWarranty}}},
     kHomeSentences,
     false},
    {"Grocery",
     {"Harvest Lane", "Golden Acre", "Morning Field", "Blue Ridge Pantry", "Sunny Orchard",
      "Green Valley", "Little Farm", "Nature's Table", "Wild Meadow", "Old Mill", "Coastline Foods",
      "Hillside Dairy", "True North", "Olive Grove", "Red Barn"},
     {{{"Beverages",
        {{{"Tea", "Green Tea", 6, S::kWeight},
          {"Coffee", "Ground Coffee", 11, S::kWeight},
          {"Juice", "Orange Juice", 5, S::kVolume},
          {"Sparkling Water", "Sparkling Water", 7, S::kVolume},
          {"Energy Drinks", "Energy Drink", 9, S::kVolume}}}},
       {"Snacks",
        {{{"Chips", "Potato Chips", 4, S::kWeight},
          {"Cookies", "Chocolate Chip Cookies", 5, S::kWeight},
          {"Crackers", "Whole Wheat Crackers", 4, S::kWeight},
          {"Nuts", "Roasted Almonds", 9, S::kWeight},
          {"Granola Bars", "Granola Bars", 6, S::kPack}}}},
       {"Pantry",
        {{{"Pasta", "Spaghetti", 3, S::kWeight},
          {"Rice", "Basmati Rice", 8, S::kWeight},
          {"Olive Oil", "Extra Virgin Olive Oil", 14, S::kVolume},
          {"Spices", "Smoked Paprika", 5, S::kWeight},
          {"Sauces", "Marinara Sauce", 5, S::kVolume}}}},
       {"Breakfast",
        {{{"Cereal", "Honey Oat Cereal", 5, S::kWeight},
          {"Oatmeal", "Rolled Oats", 5, S::kWeight},
          {"Pancake Mix", "Pancake Mix", 4, S::kWeight},
          {"Jam", "Strawberry Jam", 5, S::kWeight},
          {"Honey", "Raw Honey", 9, S::kWeight}}}},
       {"Dairy & Eggs",
        {{{"Milk", "Whole Milk", 4, S::kVolume},
          {"Cheese", "Aged Cheddar", 7, S::kWeight},
          {"Yogurt", "Greek Yogurt", 5, S::kWeight},
          {"Butter", "Salted Butter", 5, S::kWeight},
          {"Eggs", "Free Range Eggs", 5, S::kPack}}}},
       {"Frozen",
        {{{"Frozen Pizza", "Margherita Pizza", 7, S::kWeight},
          {"Ice Cream", "Vanilla Ice Cream", 6, S::kVolume},
          {"Frozen Vegetables", "Mixed Vegetables", 3, S::kWeight},
          {"Frozen Meals", "Chicken Tikka Masala", 6, S::kWeight},
          {"Frozen Fruit", "Frozen Berries", 5, S::kWeight}}}}}},
     kGroceryAdjectives,
     {},
     {},
     {{{"dietary", kDietary}, {"origin", kOrigin}}},
     kGrocerySentences,
     false},
    {"Clothing",
     {"Northbound", "Urban Thread", "Maple & Main", "Coastal Co.", "Bravura", "Linenworks",
      "Fieldstone", "Aster Lane", "Kindred", "Bluebird Kids", "Peak Form", "Silverline",
      "Canvas & Co.", "Wildroot", "Marlowe"},
     {{{"Men",
        {{{"Men's T-Shirts", "Men's T-Shirt", 19, S::kApparel},
          {"Men's Shirts", "Men's Oxford Shirt", 39, S::kApparel},
          {"Men's Jeans", "Men's Jeans", 49, S::kApparel},
          {"Men's Jackets", "Men's Jacket", 89, S::kApparel},
          {"Men's Sweaters", "Men's Sweater", 59, S::kApparel}}}},
       {"Women",
        {{{"Dresses", "Wrap Dress", 59, S::kApparel},
          {"Blouses", "Blouse", 34, S::kApparel},
          {"Leggings", "High-Waist Leggings", 29, S::kApparel},
          {"Skirts", "Midi Skirt", 39, S::kApparel},
          {"Women's Coats", "Women's Coat", 129, S::kApparel}}}},
       {"Kids",
        {{{"Kids' T-Shirts", "Kids' T-Shirt", 12, S::kApparel},
          {"Kids' Pajamas", "Kids' Pajama Set", 19, S::kApparel},
          {"Kids' Jackets", "Kids' Puffer Jacket", 45, S::kApparel},
          {"Kids' Jeans", "Kids' Jeans", 22, S::kApparel},
          {"Baby Bodysuits", "Baby Bodysuit", 14, S::kPack}}}},
       {"Shoes",
        {{{"Running Shoes", "Running Shoes", 89, S::kShoe},
          {"Sneakers", "Sneakers", 69, S::kShoe},
          {"Boots", "Chelsea Boots", 119, S::kShoe},
          {"Sandals", "Sandals", 39, S::kShoe},
          {"Slippers", "Slippers", 24, S::kShoe}}}},
       {"Accessories",
        {{{"Belts", "Leather Belt", 29, S::kApparel},
          {"Hats", "Baseball Cap", 19, S::kNone},
          {"Scarves", "Knit Scarf", 24, S::kNone},
          {"Gloves", "Touchscreen Gloves", 19, S::kApparel},
          {"Sunglasses", "Polarized Sunglasses", 49, S::kNone}}}},
       {"Activewear",
        {{{"Yoga Pants", "Yoga Pants", 44, S::kApparel},
          {"Sports Bras", "Sports Bra", 29, S::kApparel},
          {"Track Jackets", "Track Jacket", 54, S::kApparel},
          {"Running Shorts", "Running Shorts", 27, S::kApparel},
          {"Compression Tops", "Compression Top", 32, S::kApparel}}}}}},
     kFashionAdjectives,
     kFashionColors,
     kFabricMaterials,
     {{{"fit", kFit}, {"care", kCare}}},
     kFashionSentences,
     false},
    {"Sports & Outdoors",
     {"Summitcraft", "Trailhead", "Ironpeak", "Bluewater", "Vantage Sport", "Ridgeline",
      "Apex Gear", "Northwind", "Riverbend", "Stridepro", "Glacier Point", "Fairway", "Cascade",
      "Tidal", "Boulderline"},
     {{{"Fitness",
        {{{"Dumbbells", "Dumbbell", 39, S::kLoad},
          {"Yoga Mats", "Yoga Mat", 29, S::kNone},
          {"Resistance Bands", "Resistance Band Set", 19, S::kNone},
          {"Kettlebells", "Kettlebell", 49, S::kLoad},
          {"Jump Ropes", "Jump Rope", 14, S::kNone}}}},
       {"Camping",
        {{{"Tents", "Dome Tent", 149, S::kNone},
          {"Sleeping Bags", "Sleeping Bag", 79, S::kNone},
          {"Camping Stoves", "Camping Stove", 59, S::kNone},
          {"Headlamps", "Headlamp", 29, S::kNone},
          {"Hiking Backpacks", "Hiking Backpack", 99, S::kCapacity}}}},
       {"Cycling",
        {{{"Bikes", "Hybrid Bike", 549, S::kNone},
          {"Bike Helmets", "Bike Helmet", 59, S::kApparel},
          {"Bike Lights", "Bike Light Set", 29, S::kNone},
          {"Bike Locks", "U-Lock", 39, S::kNone},
          {"Cycling Gloves", "Cycling Gloves", 24, S::kApparel}}}},
       {"Team Sports",
        {{{"Soccer Balls", "Soccer Ball", 24, S::kNone},
          {"Basketballs", "Basketball", 29, S::kNone},
          {"Footballs", "Football", 27, S::kNone},
          {"Baseball Gloves", "Baseball Glove", 59, S::kNone},
          {"Shin Guards", "Shin Guards", 17, S::kApparel}}}},
       {"Water Sports",
        {{{"Swim Goggles", "Swim Goggles", 17, S::kNone},
          {"Life Jackets", "Life Jacket", 59, S::kApparel},
          {"Snorkel Sets", "Snorkel Set", 39, S::kNone},
          {"Paddle Boards", "Inflatable Paddle Board", 349, S::kNone},
          {"Wetsuits", "Wetsuit", 149, S::kApparel}}}},
       {"Fishing",
        {{{"Fishing Rods", "Spinning Rod", 59, S::kNone},
          {"Fishing Reels", "Spinning Reel", 49, S::kNone},
          {"Tackle Boxes", "Tackle Box", 29, S::kNone},
          {"Fishing Line", "Braided Fishing Line", 14, S::kNone},
          {"Lures", "Crankbait Lure", 8, S::kPack}}}}}},
     kSportAdjectives,
     kBrightColors,
     kSportMaterials,
     {{{"skill_level", kLevel}, {"warranty", kWarranty}}},
     kSportSentences,
     true},
    {"Beauty & Personal Care",
     {"Lumiere", "Petal & Pine", "Aquabloom", "Velvetine", "Purely Botanics", "Dermacalm",
      "Glowhaus", "Silk & Sage", "Rosewater Lab", "Evermint", "Clearwave", "Honeydew Skin",
      "Solstice", "Marula Bay", "Fresh Theory"},
     {{{"Skin Care",
        {{{"Moisturizers", "Daily Moisturizer", 24, S::kVolume},
          {"Cleansers", "Foaming Cleanser", 14, S::kVolume},
          {"Serums", "Vitamin C Serum", 29, S::kVolume},
          {"Sunscreen", "SPF 50 Sunscreen", 16, S::kVolume},
          {"Face Masks", "Sheet Mask", 12, S::kPack}}}},
       {"Hair Care",
        {{{"Shampoo", "Shampoo", 11, S::kVolume},
          {"Conditioner", "Conditioner", 11, S::kVolume},
          {"Hair Oil", "Argan Hair Oil", 17, S::kVolume},
          {"Hair Dryers", "Ionic Hair Dryer", 69, S::kPower},
          {"Straighteners", "Ceramic Flat Iron", 49, S::kNone}}}},
       {"Makeup",
        {{{"Lipstick", "Matte Lipstick", 14, S::kNone},
          {"Foundation", "Liquid Foundation", 24, S::kVolume},
          {"Mascara", "Volumizing Mascara", 12, S::kNone},
          {"Eyeliner", "Gel Eyeliner", 10, S::kNone},
          {"Nail Polish", "Nail Polish", 8, S::kPack}}}},
       {"Fragrance",
        {{{"Perfume", "Eau de Parfum", 69, S::kVolume},
          {"Cologne", "Eau de Toilette", 59, S::kVolume},
          {"Body Mist", "Body Mist", 17, S::kVolume},
          {"Deodorant", "Deodorant", 8, S::kPack},
          {"Fragrance Gift Sets", "Fragrance Gift Set", 49, S::kNone}}}},
       {"Bath & Body",
        {{{"Body Wash", "Body Wash", 9, S::kVolume},
          {"Soap Bars", "Soap Bar", 6, S::kPack},
          {"Body Lotion", "Body Lotion", 12, S::kVolume},
          {"Bath Salts", "Bath Salts", 14, S::kWeight},
          {"Loofahs", "Exfoliating Loofah", 7, S::kPack}}}},
       {"Oral Care",
        {{{"Toothpaste", "Whitening Toothpaste", 5, S::kPack},
          {"Toothbrushes", "Soft Toothbrush", 6, S::kPack},
          {"Electric Toothbrushes", "Electric Toothbrush", 59, S::kNone},
          {"Mouthwash", "Mouthwash", 7, S::kVolume},
          {"Dental Floss", "Dental Floss", 4, S::kPack}}}}}},
     kBeautyAdjectives,
     {},
     {},
     {{{"skin_type", kSkinType}, {"scent", kScent}}},
     kBeautySentences,
     false},
    {"Toys & Games",
     {"Brickwell", "Funforge", "Tiny Titans", "Playquest", "Wonderbox", "Kiddo Labs",
      "Starlight Toys", "Puzzlewood", "Zoomies", "Happy Hollow", "Gizmo Garage", "Cubby Bear",
      "Rocket Rascals", "Meeple House", "Dreamcraft"},
     {{{"Building Toys",
        {{{"Building Sets", "Building Set", 49, S::kNone},
          {"Magnetic Tiles", "Magnetic Tile Set", 59, S::kNone},
          {"Wooden Blocks", "Wooden Block Set", 29, S::kNone},
          {"Marble Runs", "Marble Run", 39, S::kNone},
          {"Construction Kits", "Construction Kit", 34, S::kNone}}}},
       {"Dolls & Figures",
        {{{"Fashion Dolls", "Fashion Doll", 24, S::kNone},
          {"Baby Dolls", "Baby Doll", 29, S::kNone},
          {"Dollhouses", "Dollhouse", 89, S::kNone},
          {"Action Figures", "Action Figure", 19, S::kNone},
          {"Plush Toys", "Plush Bear", 17, S::kNone}}}},
       {"Games",
        {{{"Board Games", "Board Game", 34, S::kNone},
          {"Card Games", "Card Game", 14, S::kNone},
          {"Puzzles", "1000-Piece Puzzle", 19, S::kNone},
          {"Strategy Games", "Strategy Game", 44, S::kNone},
          {"Party Games", "Party Game", 24, S::kNone}}}},
       {"Outdoor Play",
        {{{"Scooters", "Kick Scooter", 59, S::kNone},
          {"Trampolines", "Mini Trampoline", 129, S::kNone},
          {"Water Blasters", "Water Blaster", 19, S::kNone},
          {"Kites", "Stunt Kite", 24, S::kNone},
          {"Swing Sets", "Swing Set", 249, S::kNone}}}},
       {"Learning Toys",
        {{{"STEM Kits", "STEM Kit", 39, S::kNone},
          {"Science Kits", "Chemistry Set", 34, S::kNone},
          {"Coding Robots", "Coding Robot", 99, S::kNone},
          {"Globes", "Illuminated Globe", 44, S::kNone},
          {"Flash Cards", "Flash Cards", 9, S::kPack}}}},
       {"Vehicles",
        {{{"RC Cars", "RC Car", 49, S::kNone},
          {"Toy Trains", "Wooden Train Set", 54, S::kNone},
          {"Drones", "Mini Drone", 69, S::kNone},
          {"Die-Cast Cars", "Die-Cast Car", 7, S::kPack},
          {"Ride-On Toys", "Ride-On Car", 179, S::kNone}}}}}},
     kToyAdjectives,
     kBrightColors,
     kToyMaterials,
     {{{"age_range", kAge}, {"players", kPlayers}}},
     kToySentences,
     true},
    {"Office & School",
     {"Inkwell", "Paperline", "Deskmate", "Scribe & Co.", "Officio", "Brightnote", "Quillstone",
      "Workwell", "Ledgerly", "Clipmaster", "Notable", "Archway", "Penmark", "Studyhall",
      "Foldwise"},
     {{{"Writing",
        {{{"Pens", "Gel Pen", 9, S::kPack},
          {"Pencils", "Mechanical Pencil", 7, S::kPack},
          {"Markers", "Permanent Marker", 11, S::kPack},
          {"Highlighters", "Highlighter", 6, S::kPack},
          {"Fountain Pens", "Fountain Pen", 39, S::kNone}}}},
       {"Paper",
        {{{"Notebooks", "Spiral Notebook", 8, S::kPack},
          {"Printer Paper", "Printer Paper", 29, S::kNone},
          {"Sticky Notes", "Sticky Notes", 9, S::kPack},
          {"Planners", "Weekly Planner", 19, S::kNone},
          {"Envelopes", "Envelopes", 12, S::kNone}}}},
       {"Desk Supplies",
        {{{"Desk Organizers", "Desk Organizer", 24, S::kNone},
          {"Staplers", "Stapler", 14, S::kNone},
          {"Desk Lamps", "LED Desk Lamp", 34, S::kNone},
          {"Calculators", "Scientific Calculator", 19, S::kNone},
          {"Scissors", "Office Scissors", 9, S::kPack}}}},
       {"Office Furniture",
        {{{"Office Chairs", "Office Chair", 199, S::kNone},
          {"Standing Desks", "Standing Desk", 349, S::kNone},
          {"Bookcases", "Bookcase", 129, S::kNone},
          {"Filing Cabinets", "Filing Cabinet", 149, S::kNone},
          {"Footrests", "Footrest", 34, S::kNone}}}},
       {"Printing",
        {{{"Printers", "Laser Printer", 199, S::kNone},
          {"Ink Cartridges", "Ink Cartridge", 29, S::kPack},
          {"Toner", "Toner Cartridge", 69, S::kNone},
          {"Label Makers", "Label Maker", 39, S::kNone},
          {"Laminators", "Laminator", 44, S::kNone}}}},
       {"Bags & Cases",
        {{{"Laptop Bags", "Laptop Bag", 49, S::kNone},
          {"School Backpacks", "School Backpack", 39, S::kCapacity},
          {"Pencil Cases", "Pencil Case", 9, S::kNone},
          {"Briefcases", "Briefcase", 89, S::kNone},
          {"Messenger Bags", "Messenger Bag", 54, S::kNone}}}}}},
     kOfficeAdjectives,
     kBrightColors,
     kOfficeMaterials,
     {{{"warranty", kWarranty}, {"recycled_content", kRecycled}}},
     kOfficeSentences,
     false},
    {"Pet Supplies",
     {"Pawsome", "Whisker & Tail", "Happy Hound", "Furbaby", "Purrfect Pantry", "Barkley & Co.",
      "Tailwind Pets", "Fetch Supply", "Meadow Paws", "Finn & Feather", "Kibble Kitchen",
      "Snuggle Pup", "Aquaria", "Hopscotch Pets", "Wildwood Pet"},
     {{{"Dogs",
        {{{"Dog Food", "Dry Dog Food", 39, S::kWeight},
          {"Dog Treats", "Dog Treats", 9, S::kWeight},
          {"Dog Beds", "Orthopedic Dog Bed", 59, S::kApparel},
          {"Dog Leashes", "Dog Leash", 17, S::kNone},
          {"Dog Toys", "Chew Toy", 11, S::kPack}}}},
       {"Cats",
        {{{"Cat Food", "Wet Cat Food", 19, S::kPack},
          {"Cat Litter", "Clumping Cat Litter", 17, S::kWeight},
          {"Cat Trees", "Cat Tree", 89, S::kNone},
          {"Cat Toys", "Feather Wand Toy", 8, S::kPack},
          {"Scratching Posts", "Scratching Post", 29, S::kNone}}}},
       {"Fish & Aquatics",
        {{{"Aquariums", "Aquarium Kit", 99, S::kCapacity},
          {"Fish Food", "Tropical Fish Flakes", 7, S::kWeight},
          {"Aquarium Filters", "Aquarium Filter", 29, S::kNone},
          {"Aquarium Heaters", "Aquarium Heater", 24, S::kPower},
          {"Aquarium Decor", "Aquarium Ornament", 12, S::kNone}}}},
       {"Birds",
        {{{"Bird Seed", "Wild Bird Seed", 14, S::kWeight},
          {"Bird Cages", "Bird Cage", 79, S::kNone},
          {"Bird Toys", "Bird Swing Toy", 9, S::kPack},
          {"Perches", "Natural Wood Perch", 11, S::kNone},
          {"Bird Baths", "Bird Bath", 39, S::kNone}}}},
       {"Small Animals",
        {{{"Hamster Cages", "Hamster Habitat", 49, S::kNone},
          {"Rabbit Food", "Rabbit Pellets", 12, S::kWeight},
          {"Hay", "Timothy Hay", 14, S::kWeight},
          {"Small Animal Bedding", "Paper Bedding", 16, S::kCapacity},
          {"Water Bottles", "Drip Water Bottle", 8, S::kNone}}}},
       {"Pet Health",
        {{{"Flea Treatments", "Flea & Tick Treatment", 34, S::kPack},
          {"Pet Vitamins", "Joint Supplement Chews", 24, S::kNone},
          {"Grooming Brushes", "Deshedding Brush", 16, S::kNone},
          {"Pet Shampoo", "Oatmeal Pet Shampoo", 12, S::kVolume},
          {"Nail Clippers", "Pet Nail Clipper", 11, S::kNone}}}}}},
     kPetAdjectives,
     kBrightColors,
     kPetMaterials,
     {{{"life_stage", kLifeStage}, {"pet_size", kPetSize}}},
     kPetSentences,
     false},
    {"Tools & Home Improvement",
     {"Forgeline", "Ironclad Tools", "Torqmax", "Buildwell", "Granite Works", "Hammerhead",
      "Trueline", "Steelcraft", "Workhorse", "Brightspark", "Greenthumb", "Plumbright",
      "Coatmaster", "Gridlock", "Fieldforge"},
     {{{"Power Tools",
        {{{"Cordless Drills", "Cordless Drill", 99, S::kNone},
          {"Circular Saws", "Circular Saw", 129, S::kNone},
          {"Impact Drivers", "Impact Driver", 119, S::kNone},
          {"Sanders", "Random Orbit Sander", 69, S::kNone},
          {"Angle Grinders", "Angle Grinder", 79, S::kPower}}}},
       {"Hand Tools",
        {{{"Hammers", "Claw Hammer", 24, S::kNone},
          {"Screwdriver Sets", "Screwdriver Set", 29, S::kNone},
          {"Wrenches", "Adjustable Wrench", 19, S::kNone},
          {"Pliers", "Locking Pliers", 17, S::kNone},
          {"Tape Measures", "Tape Measure", 14, S::kNone}}}},
       {"Lighting",
        {{{"LED Bulbs", "LED Bulb", 12, S::kPack},
          {"Ceiling Lights", "Flush Mount Ceiling Light", 59, S::kNone},
          {"Flashlights", "Tactical Flashlight", 24, S::kNone},
          {"String Lights", "Outdoor String Lights", 34, S::kNone},
          {"Work Lights", "LED Work Light", 44, S::kPower}}}},
       {"Garden",
        {{{"Garden Hoses", "Expandable Garden Hose", 34, S::kNone},
          {"Pruners", "Bypass Pruner", 19, S::kNone},
          {"Lawn Mowers", "Electric Lawn Mower", 299, S::kNone},
          {"Planters", "Ceramic Planter", 29, S::kNone},
          {"Seeds", "Heirloom Tomato Seeds", 4, S::kPack}}}},
       {"Hardware",
        {{{"Door Locks", "Smart Deadbolt", 149, S::kNone},
          {"Hinges", "Door Hinge", 9, S::kPack},
          {"Screws", "Wood Screw Assortment", 14, S::kNone},
          {"Wall Anchors", "Drywall Anchor Kit", 11, S::kNone},
          {"Hooks", "Utility Hook", 8, S::kPack}}}},
       {"Paint",
        {{{"Interior Paint", "Interior Paint", 39, S::kCapacity},
          {"Paint Brushes", "Paint Brush Set", 14, S::kNone},
          {"Paint Rollers", "Paint Roller Kit", 17, S::kNone},
          {"Spray Paint", "Spray Paint", 7, S::kPack},
          {"Painter's Tape", "Painter's Tape", 8, S::kPack}}}}}},
     kToolAdjectives,
     kBrightColors,
     kToolMaterials,
     {{{"voltage", kVoltage}, {"finish", kFinish}}},
     kToolSentences,
     true},
};

}  // namespace

std::span<const Department> Departments() { return kDepartments; }

std::span<const std::string_view> GenericSentences() { return kGenericSentences; }

std::span<const std::string_view> HardGoodsSentences() { return kHardGoodsSentences; }

std::span<const std::string_view> SpecValues(Spec spec) {
  switch (spec) {
    case Spec::kStorage:
      return kStorage;
    case Spec::kScreen:
      return kScreen;
    case Spec::kCapacity:
      return kCapacity;
    case Spec::kDiameter:
      return kDiameter;
    case Spec::kWeight:
      return kWeight;
    case Spec::kVolume:
      return kVolume;
    case Spec::kApparel:
      return kApparel;
    case Spec::kShoe:
      return kShoe;
    case Spec::kPower:
      return kPower;
    case Spec::kLoad:
      return kLoad;
    case Spec::kPack:
      return kPackOf;
    case Spec::kNone:
      break;
  }
  return {};
}

}  // namespace aisle::ingest::internal::demo
