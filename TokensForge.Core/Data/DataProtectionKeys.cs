using System.Xml.Linq;
using Microsoft.AspNetCore.DataProtection.Repositories;
using Microsoft.EntityFrameworkCore;

namespace TokensForge.Core.Data;

/// <summary>One Data Protection key, as the XML the framework writes.</summary>
public sealed class DataProtectionKeyRecord
{
    private DataProtectionKeyRecord() { }

    public DataProtectionKeyRecord(string friendlyName, string xml)
    {
        FriendlyName = friendlyName;
        Xml = xml;
    }

    public int Id { get; private set; }
    public string FriendlyName { get; private set; } = "";
    public string Xml { get; private set; } = "";
}

/// <summary>
/// Keeps the Data Protection key ring in the product database, so every instance (and the CLI) can read what
/// another encrypted: upstream keys at rest and the Identity cookies.
/// </summary>
public sealed class DatabaseXmlRepository(IDbContextFactory<AppDbContext> contexts) : IXmlRepository
{
    public IReadOnlyCollection<XElement> GetAllElements()
    {
        using var db = contexts.CreateDbContext();
        return db.DataProtectionKeys.AsNoTracking().OrderBy(k => k.Id).Select(k => k.Xml).ToList().Select(XElement.Parse).ToList();
    }

    public void StoreElement(XElement element, string friendlyName)
    {
        using var db = contexts.CreateDbContext();
        db.DataProtectionKeys.Add(new DataProtectionKeyRecord(friendlyName, element.ToString(SaveOptions.DisableFormatting)));
        db.SaveChanges();
    }
}
