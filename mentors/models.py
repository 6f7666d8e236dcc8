from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.core.exceptions import ValidationError
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from toolkit.phones import phone_display


class UserManager(BaseUserManager):
    use_in_migrations = True

    def _create_user(self, email, password, **extra_fields):
        if not email:
            raise ValueError("An e-mail address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra_fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email, password=None, **extra_fields):
        extra_fields.setdefault("is_staff", False)
        extra_fields.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra_fields)

    def create_superuser(self, email, password=None, **extra_fields):
        extra_fields.setdefault("is_staff", True)
        extra_fields.setdefault("is_superuser", True)
        return self._create_user(email, password, **extra_fields)


UNTRACKED_USER_FIELDS = frozenset({"password", "last_login", "session_epoch"})


class User(AbstractBaseUser, PermissionsMixin):
    """A login account. People sign in with their e-mail address; there is no username."""

    email = models.EmailField(_("e-mail address"), unique=True)
    full_name = models.CharField(_("full name"), max_length=150, blank=True)
    is_staff = models.BooleanField(
        _("Django admin access"), default=False, help_text=_("May open the raw-data admin site.")
    )
    is_active = models.BooleanField(_("active"), default=True)
    date_joined = models.DateTimeField(_("date joined"), default=timezone.now)
    # Raised to end every session of the account at once (deactivated, reactivated, "sign out everywhere").
    session_epoch = models.PositiveIntegerField(default=0, editable=False)
    email_notifications = models.BooleanField(
        _("e-mail notifications"), default=True,
        help_text=_("Reports submitted, returned, accepted or late, and reminders before the due date."))

    objects = UserManager()

    # Who blocked or unblocked an account, renamed it or gave it admin rights. The password hash, the last sign-in
    # and the session epoch are never copied into the history.
    history = HistoricalRecords(excluded_fields=sorted(UNTRACKED_USER_FIELDS))

    @classmethod
    def from_db(cls, db, field_names, values):
        user = super().from_db(db, field_names, values)
        user._stored_is_active = user.__dict__.get("is_active")
        return user

    def save(self, *args, **kwargs):
        """A save that only touches untracked fields (the sign-in's `last_login`, a new password) leaves no
        history row: the log holds changes someone made to the account. Blocking or unblocking an account, from
        any page or the Django admin, ends all its sessions: an old session never comes back to life."""
        update_fields = kwargs.get("update_fields")
        stored = getattr(self, "_stored_is_active", None)
        blocked_or_unblocked = stored is not None and stored != self.is_active and (
            update_fields is None or "is_active" in update_fields)
        if update_fields is not None and set(update_fields) <= UNTRACKED_USER_FIELDS:
            self.skip_history_when_saving = True
            try:
                return super().save(*args, **kwargs)
            finally:
                del self.skip_history_when_saving
        super().save(*args, **kwargs)
        self._stored_is_active = self.is_active
        if blocked_or_unblocked:
            self.end_sessions()

    def get_session_auth_hash(self):
        """Sessions carry this hash: it changes with the password and with `session_epoch`, so raising the epoch
        ends every session of the account. (At epoch 0 it is Django's own, so no one is signed out by it.)"""
        key_salt = "django.contrib.auth.models.AbstractBaseUser.get_session_auth_hash"
        value = self.password if not self.session_epoch else f"{self.password}:{self.session_epoch}"
        return salted_hmac(key_salt, value, algorithm="sha256").hexdigest()

    def end_sessions(self) -> None:
        """End every session of this account, on every device (the change is in the database at once)."""
        type(self).objects.filter(pk=self.pk).update(session_epoch=models.F("session_epoch") + 1)
        self.refresh_from_db(fields=["session_epoch"])

    EMAIL_FIELD = "email"
    USERNAME_FIELD = "email"
    REQUIRED_FIELDS = []

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        ordering = ["email"]

    def __str__(self):
        return self.full_name or self.email

    def clean(self):
        super().clean()
        self.email = self.__class__.objects.normalize_email(self.email).lower()

    def get_full_name(self):
        return self.full_name or self.email

    def get_short_name(self):
        return self.get_full_name()


class Membership(models.Model):
    """An office role (admin or staff) in one regency. A regency is the boundary between tenants."""

    class Role(models.TextChoices):
        ADMIN = "admin", _("administrator")
        STAFF = "staff", _("office staff")

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships", verbose_name=_("user"))
    regency = models.ForeignKey(
        "regions.Regency", on_delete=models.PROTECT, related_name="memberships", verbose_name=_("regency")
    )
    role = models.CharField(_("role"), max_length=10, choices=Role.choices)
    invited_at = models.DateTimeField(_("invited at"), null=True, blank=True)
    # Raised by every change made from the portal: an action based on an older look at the list is refused.
    version = models.PositiveIntegerField(default=0, editable=False)

    history = HistoricalRecords(excluded_fields=["version"])

    class Meta:
        verbose_name = _("office membership")
        verbose_name_plural = _("office memberships")
        constraints = [models.UniqueConstraint(fields=["user", "regency"], name="membership_one_role_per_regency")]

    def __str__(self):
        return f"{self.user} · {self.get_role_display()} · {self.regency}"

    @property
    def account_status(self) -> str:
        """`suspended` (the account is blocked), `invited` (link sent, no password yet) or `active`."""
        if not self.user.is_active:
            return "suspended"
        return "active" if self.user.has_usable_password() else "invited"


class ReadingGrant(models.Model):
    """Reading rights above the regencies: every regency of one province (the province's cooperative office or
    PMO), or, with no province, the whole country (the national programme). Granted by a superuser.

    A reader sees what an office sees of those regencies and changes nothing of them: a regency stays the boundary
    between tenants, and only its own office (`Membership`) writes there."""

    class Role(models.TextChoices):
        ADMIN = "admin", _("province office administrator")
        STAFF = "staff", _("province office staff")
        PMO = "pmo", _("provincial PMO")
        NATIONAL = "national", _("national programme")

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="reading_grants", verbose_name=_("user"))
    province = models.ForeignKey(
        "regions.Province", on_delete=models.PROTECT, null=True, blank=True, related_name="reading_grants",
        verbose_name=_("province"), help_text=_("Empty: the whole country."),
    )
    role = models.CharField(_("role"), max_length=10, choices=Role.choices)
    granted_at = models.DateTimeField(_("granted at"), default=timezone.now, editable=False)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("reading grant")
        verbose_name_plural = _("reading grants")
        constraints = [
            models.UniqueConstraint(fields=["user", "province"], name="reading_grant_one_per_province"),
            models.UniqueConstraint(fields=["user"], condition=models.Q(province__isnull=True),
                                    name="reading_grant_one_national"),
            models.CheckConstraint(
                condition=models.Q(province__isnull=True, role="national")
                | (models.Q(province__isnull=False) & ~models.Q(role="national")),
                name="reading_grant_national_has_no_province", violation_error_message=_(
                    "A national reader has no province; a province reader needs one.")),
        ]

    def __str__(self):
        place = self.province if self.province_id else _("Indonesia")
        return f"{self.user} · {self.get_role_display()} · {place}"


class Mentor(models.Model):
    """A PMO officer or Business Assistant of one regency, with an optional login account."""

    class Role(models.TextChoices):
        PMO = "pmo", _("PMO")
        BA = "ba", _("Business Assistant")

    full_name = models.CharField(_("full name"), max_length=150)
    role = models.CharField(_("role"), max_length=3, choices=Role.choices)
    regency = models.ForeignKey(
        "regions.Regency", on_delete=models.PROTECT, related_name="mentors", verbose_name=_("regency")
    )
    phone = models.CharField(_("phone"), max_length=16, blank=True, help_text=_("Stored as +62…"))
    email = models.EmailField(_("e-mail address"), blank=True)
    contract_start = models.DateField(_("contract start"), null=True, blank=True)
    contract_end = models.DateField(_("contract end"), null=True, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    notes = models.TextField(_("notes"), blank=True)
    user = models.OneToOneField(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="mentor", verbose_name=_("login account")
    )
    invited_at = models.DateTimeField(_("invited at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        verbose_name = _("mentor")
        verbose_name_plural = _("mentors")
        ordering = ["full_name", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["regency", "email"], condition=~models.Q(email=""), name="mentor_email_unique_per_regency"
            ),
            models.CheckConstraint(
                condition=models.Q(contract_end__isnull=True)
                | models.Q(contract_start__isnull=True)
                | models.Q(contract_end__gte=models.F("contract_start")),
                name="mentor_contract_ends_after_start",
            ),
        ]
        indexes = [models.Index(fields=["regency", "role", "is_active"], name="mentor_roster_idx"),
                   models.Index(fields=["updated_at", "id"], name="mentor_updated_idx")]  # the read API's pulls

    def __str__(self):
        return f"{self.full_name} ({self.get_role_display()})"

    def get_absolute_url(self):
        return reverse("mentors:mentor_detail", kwargs={"pk": self.pk})

    def clean(self):
        super().clean()
        self.email = self.email.strip().lower()
        if self.contract_start and self.contract_end and self.contract_end < self.contract_start:
            raise ValidationError(
                {"contract_end": _("The contract cannot end before it starts.")}, code="contract_order"
            )

    @property
    def phone_display(self) -> str:
        return phone_display(self.phone)

    @property
    def account_status(self) -> str:
        """`none`, `invited` (link sent, no password yet) or `active` (has signed in or set a password)."""
        if self.user_id is None:
            return "none"
        return "active" if self.user.has_usable_password() else "invited"

    def get_account_status_display(self) -> str:
        return {"none": _("not invited"), "invited": _("invited"), "active": _("can sign in")}[self.account_status]


class ContractNotice(models.Model):
    """The office was warned that a mentor's contract ends: once per contract end and threshold (30 and 7 days
    before), whatever how often the job runs. A renewed contract has a new end, so it is warned of again."""

    mentor = models.ForeignKey(Mentor, on_delete=models.CASCADE, related_name="contract_notices",
                               verbose_name=_("mentor"))
    contract_end = models.DateField(_("contract end"))
    days = models.PositiveSmallIntegerField(_("days before"))
    mail = models.ForeignKey("toolkit.OutgoingMail", on_delete=models.SET_NULL, null=True, blank=True,
                             related_name="+", verbose_name=_("e-mail"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("contract notice")
        verbose_name_plural = _("contract notices")
        constraints = [models.UniqueConstraint(fields=["mentor", "contract_end", "days"],
                                               name="contract_notice_once_per_threshold")]

    def __str__(self):
        return f"{self.mentor_id} {self.contract_end} −{self.days}"
