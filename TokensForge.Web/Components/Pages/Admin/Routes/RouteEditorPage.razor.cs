using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Authorization;
using TokensForge.Core.Routing;
using TokensForge.Web.Extensions;
using Route = TokensForge.Core.Routing.Route;

namespace TokensForge.Web.Components.Pages.Admin.Routes;

public sealed partial class RouteEditorPage
{
    /// <summary>One row of the model map as the admin types it; empty rows are dropped on save.</summary>
    private sealed class ModelRow
    {
        public string? ModelId { get; set; }
        public string? UpstreamModelId { get; set; }

        public static List<ModelRow> From(IEnumerable<ModelMapping> models) =>
            models.Select(m => new ModelRow { ModelId = m.ModelId, UpstreamModelId = m.UpstreamModelId }).ToList();
    }

    /// <summary>The route form; the largest answer is typed in KiB and saved in bytes.</summary>
    private sealed record RouteForm
    {
        public string Name { get; set; } = "";
        public RouteKind Kind { get; set; } = RouteKind.Routed;
        public bool Enabled { get; set; } = true;
        public string BaseUrl { get; set; } = "";
        public string? NewKey { get; set; }
        public bool RemoveKey { get; set; }
        public int Priority { get; set; } = 100;
        public int Weight { get; set; } = 1;
        public int ConnectSeconds { get; set; } = Route.DefaultConnectTimeoutSeconds;
        public int FirstByteSeconds { get; set; } = 30;
        public int TotalSeconds { get; set; } = Route.DefaultTotalTimeoutSeconds;
        public int MaxAnswerKib { get; set; } = Route.DefaultMaxAnswerBytes / 1024;
        public OutputLimitField LimitField { get; set; }
        public RouteProtocol Protocol { get; set; } = RouteProtocol.OpenAi;
        public bool NativeResponses { get; set; }
        public List<ModelRow> Models { get; set; } = [new()];

        public static RouteForm From(RouteSummary route) => new()
        {
            Name = route.Name,
            Kind = route.Kind,
            Enabled = route.Enabled,
            BaseUrl = route.BaseUrl,
            Priority = route.Priority,
            Weight = route.Weight,
            ConnectSeconds = route.ConnectTimeoutSeconds,
            FirstByteSeconds = route.FirstByteTimeoutSeconds,
            TotalSeconds = route.TotalTimeoutSeconds,
            MaxAnswerKib = route.MaxAnswerBytes / 1024,
            LimitField = route.LimitField,
            Protocol = route.Protocol,
            NativeResponses = route.NativeResponses,
            Models = ModelRow.From(route.Models),
        };

        public RouteDraft ToDraft() => new(Name, Kind, BaseUrl, Priority, Weight, ConnectSeconds, FirstByteSeconds, TotalSeconds, Enabled,
            Models.Where(m => !string.IsNullOrWhiteSpace(m.ModelId) || !string.IsNullOrWhiteSpace(m.UpstreamModelId))
                .Select(m => new ModelMapping(m.ModelId ?? "", m.UpstreamModelId ?? "")).ToList(),
            NewKey, RemoveKey, MaxAnswerBytes: (int)Math.Clamp(MaxAnswerKib * 1024L, int.MinValue, int.MaxValue), LimitField: LimitField,
            Protocol: Protocol, NativeResponses: Protocol == RouteProtocol.OpenAi && NativeResponses);
    }

    [Inject] private RouteAdminQueries Queries { get; set; } = null!;
    [Inject] private RouteAdministration Administration { get; set; } = null!;
    [Inject] private NavigationManager Navigation { get; set; } = null!;
    [Inject] private ClientAddress Client { get; set; } = null!;
    [CascadingParameter] private Task<AuthenticationState> AuthState { get; set; } = null!;

    [Parameter] public Guid? Id { get; set; }

    private bool _loaded, _notFound, _busy, _hasKey;
    private string? _error, _errorCode, _saved, _presetNote;
    private string _loadedName = "";
    private IReadOnlyList<string> _catalogue = [];
    private RouteForm _form = new();

    protected override void OnInitialized()
    {
        if (new Uri(Navigation.Uri).Query.Contains("created=1")) _saved = "Route created.";
    }

    protected override async Task OnParametersSetAsync()
    {
        _catalogue = (await Queries.ListModelsAsync()).Select(m => m.Id).ToList();
        if (Id is { } id)
        {
            var route = await Queries.GetRouteAsync(id);
            if (route is null)
            {
                _notFound = true;
                return;
            }
            Show(route);
        }
        _loaded = true;
    }

    private void Show(RouteSummary route)
    {
        _loadedName = route.Name;
        _hasKey = route.HasUpstreamKey;
        _form = RouteForm.From(route);
    }

    private void Apply(RoutePreset preset)
    {
        if (string.IsNullOrWhiteSpace(_form.Name)) _form.Name = preset.Key;
        _form.Kind = preset.Kind;
        _form.BaseUrl = preset.BaseUrl;
        _form.Models = ModelRow.From(preset.Models);
        var missing = preset.Models.Select(m => m.ModelId).Except(_catalogue).ToList();
        _presetNote = preset.Notes + (missing.Count > 0 ? $" Not yet in the catalogue (add them on the Models page or remove them here): {string.Join(", ", missing)}." : "");
    }

    private Task<IEnumerable<string>> SearchModels(string? text, CancellationToken ct) =>
        Task.FromResult(_catalogue.Where(m => string.IsNullOrWhiteSpace(text) || m.Contains(text, StringComparison.OrdinalIgnoreCase)));

    private async Task SaveAsync()
    {
        _error = _errorCode = _saved = null;
        var draft = _form.ToDraft();
        _busy = true;
        try
        {
            var actor = await AdminActorSource.ActorAsync(AuthState, Client);
            var result = Id is { } id ? await Administration.UpdateRouteAsync(id, draft, actor) : await Administration.CreateRouteAsync(draft, actor);
            // The key field is cleared whatever happened: it is never kept in the page longer than needed.
            _form.NewKey = null;
            if (!result.Succeeded)
            {
                (_error, _errorCode) = (result.Error!.Message, result.Error.Code);
                return;
            }
            if (Id is null)
            {
                _saved = "Route created.";
                Navigation.NavigateTo(RoutingLinks.Route(result.Value) + "?created=1");
                return;
            }
            Show((await Queries.GetRouteAsync(result.Value))!);
            _saved = $"Route {_form.Name} saved.";
        }
        finally
        {
            _busy = false;
        }
    }
}
