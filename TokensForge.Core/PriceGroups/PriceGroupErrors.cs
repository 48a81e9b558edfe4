using TokensForge.Core.Common;

namespace TokensForge.Core.PriceGroups;

public static class PriceGroupErrors
{
    public static readonly Error NameRequired = new("price_group_name_required", "Give the price group a name of at most 64 characters.");
    public static readonly Error NameTaken = new("price_group_name_taken", "Another price group has this name.");
    public static readonly Error InvalidMultiplier = new("invalid_price_multiplier", "A multiplier must be between 0.1× and 10× (1,000 to 100,000 basis points).");
    public static readonly Error NotFound = new("price_group_not_found", "No such price group.");
}
